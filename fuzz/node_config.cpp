// Daemon config files (`mlchain node run --config FILE`): a member's
// (node/config.h) and an edge central node's (edge/config.h), both strict
// TOML. The text goes to both parsers, as either could be handed any file.
// Property: neither crashes nor throws, whatever the text; relative paths
// resolve under the base directory, which is never touched.
#include <cstdint>

#include "fuzz_util.h"
#include "mlchain/edge/config.h"
#include "mlchain/node/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = mlchain::fuzz::text_of(data, size);
  const std::filesystem::path base = "/nonexistent/mlchain-fuzz";
  auto member = mlchain::node::parse_node_config_toml(text, "node.toml", base);
  auto edge = mlchain::edge::parse_edge_config_toml(text, "edge.toml", base);
  // A member's parser refuses "role"; an edge's requires role = "edge".
  mlchain::fuzz::check(!(member.ok() && edge.ok()), "one text accepted as both a member and an edge config");
  return 0;
}
