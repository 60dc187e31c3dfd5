// Object requests to an edge layer's central node, as its API reads them
// (edge_api.cpp handle_object): the action from the path, the X-Mlc-*
// header fields (edge/request.h object_request_from_headers), the body, and
// then everything Registry::process does with them (UUID, credential,
// counter, JSON body, format document, permissions, the action itself).
//
// Input: up to 8 requests, each
//   <action>\n<Name>: <value>\n...\n\n<body>
// separated by a line "%%". Field names are lower-cased and repeats joined
// with ", ", as the HTTP server hands them over. The registry (edge_world.h)
// is fresh for every input; requests of one input see each other's writes.
// Properties: nothing crashes; a request is accepted only with a counter
// above every counter accepted before for its object, and an accepted upload
// was a JSON object.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "edge_world.h"
#include "fuzz_util.h"
#include "mlchain/edge/request.h"

namespace {

using mlchain::fuzz::check;
using mlchain::fuzz::split_once;
namespace edge = mlchain::edge;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

void run_one(mlchain::fuzz::EdgeWorld& world, std::string_view text, std::map<std::string, std::uint64_t>& last) {
  auto [head, body] = split_once(text, "\n\n");
  auto [action_name, fields] = split_once(head, "\n");
  std::map<std::string, std::string> headers;
  while (!fields.empty()) {
    auto [line, rest] = split_once(fields, "\n");
    fields = rest;
    auto [name, value] = split_once(line, ": ");
    auto [it, fresh] = headers.try_emplace(lower(name), std::string(value));
    if (!fresh) it->second += ", " + std::string(value);
  }
  auto action = edge::parse_action(action_name);
  if (!action.ok()) return;
  auto request = edge::object_request_from_headers(*action, headers, std::string(body));
  if (!request.ok()) return mlchain::fuzz::note("request:", request.status().to_string());
  const edge::Decision d = world.registry->process(*request);
  mlchain::fuzz::note(edge::reason_name(d.reason), d.message);
  (void)edge::reason_name(d.reason);
  (void)edge::reason_http_status(d.reason);
  if (!d.accepted()) return;
  auto& seen = last[request->uuid];
  check(request->counter > seen, "accepted a counter not above the last accepted one");
  seen = request->counter;
  if (*action == edge::Action::kUpload) {
    auto j = mlchain::codec::parse(request->body);
    check(j.ok() && j->is_object(), "accepted an upload that is not a JSON object", request->body);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mlchain::fuzz::EdgeWorld world;
  std::map<std::string, std::uint64_t> last;
  std::string_view rest = mlchain::fuzz::text_of(data, size);
  for (int i = 0; i < 8 && !rest.empty(); ++i) {
    auto [one, more] = split_once(rest, "\n%%\n");
    run_one(world, one, last);
    rest = more;
  }
  return 0;
}
