// redis::Connection against a real Redis: URLs, commands, errors, pipelines, scripts, AUTH,
// blocking commands and Interrupt.
#include "redis/connection.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "core/ids.h"
#include "redis_test_server.h"

namespace gitops::redis {
namespace {

std::unique_ptr<Connection> MustOpen(const std::string& url) {
  auto endpoint = ParseUrl(url);
  EXPECT_TRUE(endpoint.ok());
  auto conn = Connection::Open(*endpoint);
  EXPECT_TRUE(conn.ok()) << conn.error().message;
  return std::move(*conn);
}

// A port on 127.0.0.1 that nothing listens on (bound, then closed).
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(RedisUrlTest, ParsesEveryPart) {
  auto ep = ParseUrl("redis://app:s%40cret@cache.example:6380/3");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->host, "cache.example");
  EXPECT_EQ(ep->port, 6380);
  EXPECT_EQ(ep->db, 3);
  EXPECT_EQ(ep->username, "app");
  EXPECT_EQ(ep->password, "s@cret");
  EXPECT_EQ(Describe(*ep), "cache.example:6380/3");
}

TEST(RedisUrlTest, DefaultsPortAndDatabaseAndTakesAPasswordAlone) {
  auto ep = ParseUrl("redis://secret@localhost");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->host, "localhost");
  EXPECT_EQ(ep->port, 6379);
  EXPECT_EQ(ep->db, 0);
  EXPECT_EQ(ep->username, "");
  EXPECT_EQ(ep->password, "secret");
}

TEST(RedisUrlTest, RefusesOtherSchemesTlsAndBadNumbersWithoutThePassword) {
  for (const char* url :
       {"http://h:1", "rediss://u:pw123@h:1", "redis://u:pw123@h:99999", "redis://u:pw123@h:1/x"}) {
    auto ep = ParseUrl(url);
    ASSERT_FALSE(ep.ok()) << url;
    EXPECT_EQ(ep.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(ep.error().message.find("pw123"), std::string::npos) << ep.error().message;
  }
}

TEST(RedisConnectionTest, UnreachableServerIsUnavailableNamingIt) {
  Endpoint ep;
  ep.port = ClosedPort();
  auto conn = Connection::Open(ep);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(conn.error().message.find("127.0.0.1:" + std::to_string(ep.port)), std::string::npos);
}

TEST(RedisConnectionTest, CommandsAreBinarySafe) {
  auto conn = MustOpen(redistest::SharedUrl());
  std::string key = redistest::NewPrefix() + "bin";
  std::string value("a\0b\r\nc", 6);
  ASSERT_TRUE(conn->Command({"SET", key, value}).ok());
  auto got = conn->Command({"GET", key});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->kind, Reply::Kind::kString);
  EXPECT_EQ(got->str, value);
  EXPECT_TRUE(conn->Ping().ok());
}

TEST(RedisConnectionTest, ServerErrorIsAnErrorWithTheServerText) {
  auto conn = MustOpen(redistest::SharedUrl());
  std::string key = redistest::NewPrefix() + "list";
  ASSERT_TRUE(conn->Command({"RPUSH", key, "x"}).ok());
  auto got = conn->Command({"GET", key});
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(IsServerError(got.error(), "WRONGTYPE")) << got.error().details;
  EXPECT_FALSE(conn->Broken());
  EXPECT_TRUE(conn->Ping().ok());
}

TEST(RedisConnectionTest, PipelineKeepsOrderAndPerCommandErrors) {
  auto conn = MustOpen(redistest::SharedUrl());
  std::string key = redistest::NewPrefix() + "n";
  auto replies = conn->Pipeline({{"INCR", key}, {"INCRBY", key, "not-a-number"}, {"INCR", key}});
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_EQ((*replies)[0].integer, 1);
  EXPECT_TRUE((*replies)[1].IsError());
  EXPECT_EQ((*replies)[2].integer, 2);
}

TEST(RedisConnectionTest, EvalWorksAfterTheScriptCacheIsFlushed) {
  auto conn = MustOpen(redistest::SharedUrl());
  Script script("return {KEYS[1], ARGV[1], 'x" + NewUuid() + "'}");
  ASSERT_TRUE(conn->Command({"SCRIPT", "FLUSH"}).ok());
  for (int i = 0; i < 2; ++i) {  // EVAL, then EVALSHA of the now cached script
    auto got = conn->Eval(script, {"k"}, {"a"});
    ASSERT_TRUE(got.ok()) << got.error().message;
    ASSERT_EQ(got->elements.size(), 3u);
    EXPECT_EQ(got->elements[1].str, "a");
  }
  auto cached = conn->Command({"SCRIPT", "EXISTS", script.sha1()});
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached->elements.at(0).integer, 1);
}

TEST(RedisConnectionTest, LoginWithAclUserAndRefusalWithoutThePassword) {
  auto admin = MustOpen(redistest::SharedUrl());
  std::string user = "gitops-test-" + NewUuid().substr(0, 8);
  ASSERT_TRUE(admin->Command({"ACL", "SETUSER", user, "on", ">pw-right", "~*", "+@all"}).ok());
  auto ep = ParseUrl(redistest::SharedUrl());
  ASSERT_TRUE(ep.ok());
  ep->username = user;
  ep->password = "pw-right";
  auto good = Connection::Open(*ep);
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_TRUE((*good)->Ping().ok());
  ep->password = "pw-wrong";
  auto bad = Connection::Open(*ep);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(bad.error().message.find("pw-wrong"), std::string::npos) << bad.error().message;
  ASSERT_TRUE(admin->Command({"ACL", "DELUSER", user}).ok());
}

TEST(RedisConnectionTest, SelectsTheDatabaseOfTheUrl) {
  auto ep = ParseUrl(redistest::SharedUrl());
  ASSERT_TRUE(ep.ok());
  std::string key = redistest::NewPrefix() + "db";
  Endpoint other = *ep;
  other.db = ep->db == 5 ? 6 : 5;
  auto in_other = Connection::Open(other);
  ASSERT_TRUE(in_other.ok());
  ASSERT_TRUE((*in_other)->Command({"SET", key, "1"}).ok());
  auto home = MustOpen(redistest::SharedUrl());
  auto seen = home->Command({"EXISTS", key});
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->integer, 0);
  ASSERT_TRUE((*in_other)->Command({"DEL", key}).ok());
}

TEST(RedisConnectionTest, BlockingCommandTimesOutWithNilAndKeepsTheConnection) {
  auto conn = MustOpen(redistest::SharedUrl());
  std::string key = redistest::NewPrefix() + "empty";
  auto got = conn->CommandWithTimeout({"BLPOP", key, "0.05"}, std::chrono::seconds(5));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(got->IsNil());
  EXPECT_FALSE(conn->Broken());
  EXPECT_TRUE(conn->Ping().ok());
}

TEST(RedisConnectionTest, ReplyLaterThanTheTimeoutIsUnavailableAndBreaksTheConnection) {
  auto ep = ParseUrl(redistest::SharedUrl());
  ASSERT_TRUE(ep.ok());
  ConnectionOptions options;
  options.command_timeout = std::chrono::milliseconds(50);
  auto conn = Connection::Open(*ep, options);
  ASSERT_TRUE(conn.ok());
  std::string key = redistest::NewPrefix() + "empty";
  auto got = (*conn)->Command({"BLPOP", key, "10"});  // blocks far longer than the timeout
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE((*conn)->Broken());
  EXPECT_FALSE((*conn)->Ping().ok());
}

TEST(RedisConnectionTest, InterruptEndsABlockedCommand) {
  auto conn = MustOpen(redistest::SharedUrl());
  std::string key = redistest::NewPrefix() + "empty";
  std::optional<ErrorCode> code;
  std::thread blocked([&] {
    auto got = conn->CommandWithTimeout({"BLPOP", key, "600"}, std::chrono::seconds(700));
    if (!got.ok()) code = got.error().code;
  });
  conn->Interrupt();
  blocked.join();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, ErrorCode::kUnavailable);
  EXPECT_TRUE(conn->Broken());
}

}  // namespace
}  // namespace gitops::redis
