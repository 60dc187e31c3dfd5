#include "mlchain/ledger/state_machine.h"

namespace mlchain::ledger {

Result<Bytes> KvStateMachine::apply(store::WriteTxn& txn, const consensus::Request& op, const OpContext&) {
  std::string text = to_string(op.op);
  auto sp1 = text.find(' ');
  std::string verb = text.substr(0, sp1);
  std::string rest = sp1 == std::string::npos ? std::string() : text.substr(sp1 + 1);
  if (verb == "put") {
    auto sp2 = rest.find(' ');
    if (sp2 == std::string::npos || sp2 == 0) return to_bytes("error: put needs a key and a value");
    MLCHAIN_TRY(txn.put("kv", rest.substr(0, sp2), rest.substr(sp2 + 1)));
    return to_bytes("ok");
  }
  if (verb == "get") {
    auto v = txn.get("kv", rest);
    if (!v.ok() && v.status().code() == ErrorCode::kNotFound) return to_bytes("missing");  // no table yet
    if (!v.ok()) return v.status();
    return to_bytes(*v ? **v : std::string("missing"));
  }
  if (verb == "del") {
    MLCHAIN_TRY(txn.del("kv", rest));
    return to_bytes("ok");
  }
  return to_bytes("error: unknown operation '" + verb + "'");
}

}  // namespace mlchain::ledger
