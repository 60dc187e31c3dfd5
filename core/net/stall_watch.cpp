#include "mlchain/net/stall_watch.h"

#include "mlchain/net/https_client.h"

namespace mlchain::net {

Status handshake_probe(const std::string& address, const crypto::PublicKey& key, std::chrono::milliseconds timeout) {
  HttpsClientOptions o;
  o.connect_timeout = timeout;
  o.total_timeout = timeout;
  o.max_response_bytes = 4096;
  o.server_key = key;
  auto r = https_request(address, "GET", "/healthz", {}, {}, o);
  return r.ok() ? Status() : r.status();
}

}  // namespace mlchain::net
