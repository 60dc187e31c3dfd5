// Format documents (edge/format.h): the schema an administrator registers
// for an object, and the data points an object uploads against it.
// Input: a JSON array [schema, value, value, ...] (or one schema alone),
// parsed with the admin API's limits (edge_api.cpp handle_admin).
// Properties: compile and validate never crash; a compiled format compiles
// again from its own schema() and gives every value the same verdict.
#include <cstdint>

#include "fuzz_util.h"
#include "mlchain/codec/json.h"
#include "mlchain/edge/format.h"
#include "mlchain/edge/request.h"

namespace {

using mlchain::codec::Json;
using mlchain::fuzz::check;
namespace codec = mlchain::codec;
namespace edge = mlchain::edge;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto j = codec::parse(mlchain::fuzz::text_of(data, size),
                        codec::ParseLimits{edge::kMaxRequestBodyBytes, 32, 16 * 1024, 20'000});
  if (!j.ok()) return 0;
  const bool listed = j->is_array() && !j->empty();
  const Json& schema = listed ? (*j)[0] : *j;
  auto format = edge::Format::compile(schema);
  if (!format.ok()) return 0;
  auto again = edge::Format::compile(format->schema());
  check(again.ok(), "a compiled format does not compile from its own schema", again.status().message());
  if (!listed) return 0;
  for (std::size_t i = 1; i < j->size(); ++i) {
    const mlchain::Status first = format->validate((*j)[i]);
    const mlchain::Status second = again->validate((*j)[i]);
    check(first.ok() == second.ok(), "a recompiled format gives another verdict", first.to_string());
  }
  return 0;
}
