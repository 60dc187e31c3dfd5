#include "mlchain/net/url.h"

#include <gtest/gtest.h>

namespace mlchain::net {
namespace {

TEST(ParseHttpsUrl, HostAndPort) {
  auto r = parse_https_url("https://127.0.0.1:8443");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->host, "127.0.0.1");
  EXPECT_EQ(r->port, 8443);
  EXPECT_EQ(r->to_string(), "127.0.0.1:8443");
}

TEST(ParseHttpsUrl, DefaultPortTrailingSlashAndIpv6) {
  auto a = parse_https_url("https://node.example/");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "node.example");
  EXPECT_EQ(a->port, 443);
  auto b = parse_https_url("https://[::1]:9000");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 9000);
  EXPECT_EQ(b->to_string(), "[::1]:9000");
}

TEST(ParseHttpsUrl, RefusesMalformed) {
  for (const char* url : {"http://a:1", "https://", "https://a:", "https://a:0", "https://a:70000", "https://a:1/x",
                          "https://u@a:1", "https://::1:5", "https://[::1", "https://a:1x"}) {
    auto r = parse_https_url(url);
    EXPECT_FALSE(r.ok()) << url;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(r.status().message().find("https://host:port"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace mlchain::net
