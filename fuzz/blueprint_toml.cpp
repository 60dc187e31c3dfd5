// Layer blueprints in TOML (config/blueprint_toml.h), as
// `mlchain layer create --blueprint FILE` reads them, down to the genesis
// block every member hashes.
// Properties: parsing never crashes or throws; an accepted blueprint's JSON
// form (what the genesis block embeds) parses back to the same JSON, and its
// genesis block can be made and hashed.
#include "mlchain/config/blueprint_toml.h"

#include <cstdint>

#include "fuzz_util.h"
#include "mlchain/codec/json.h"
#include "mlchain/ledger/blueprint.h"
#include "mlchain/ledger/ledger.h"

namespace {

using mlchain::fuzz::check;
namespace codec = mlchain::codec;
namespace ledger = mlchain::ledger;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto bp = mlchain::config::parse_blueprint_toml(mlchain::fuzz::text_of(data, size), "fuzz.toml");
  if (!bp.ok()) return 0;
  const auto canon = codec::canonical(ledger::to_json(*bp));
  check(canon.ok(), "an accepted blueprint has no canonical JSON form", canon.status().message());
  auto back = ledger::blueprint_from_json(codec::parse(*canon).value());
  check(back.ok(), "an accepted blueprint's JSON form is refused", back.status().message() + "\n" + *canon);
  check(codec::canonical(ledger::to_json(*back)).value() == *canon, "blueprint JSON round trip changed it", *canon);
  (void)ledger::make_genesis(*bp).hash();
  return 0;
}
