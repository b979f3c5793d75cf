// Tests for Server over real sockets on 127.0.0.1 port 0, driven by the blocking client.
#include "http/server.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "http/client.h"
#include "http/router.h"

namespace gitops::http {
namespace {

constexpr size_t kBodyLimit = 1024;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(router_
                    .Add("GET", "/items/{id}",
                         [](const Request&, const PathParams& p) {
                           return Response::Json(200,
                                                 "{\"id\":\"" + std::string(p.Get("id")) + "\"}");
                         })
                    .ok());
    ASSERT_TRUE(router_
                    .Add("POST", "/echo",
                         [](const Request& req, const PathParams&) {
                           return Response::Text(200, req.body);
                         })
                    .ok());
    ASSERT_TRUE(router_
                    .Add("GET", "/query",
                         [](const Request& req, const PathParams&) {
                           std::string out;
                           for (const auto& [k, v] : req.query) out += "[" + k + "=" + v + "]";
                           return Response::Text(200, out);
                         })
                    .ok());
    ASSERT_TRUE(router_
                    .Add("GET", "/tenant",
                         [](const Request& req, const PathParams&) {
                           return Response::Text(
                               200, std::string(req.Header("X-Tenant-ID").value_or("<none>")));
                         })
                    .ok());
    ASSERT_TRUE(router_
                    .Add("GET", "/peer",
                         [](const Request& req, const PathParams&) {
                           return Response::Text(
                               200, req.remote_address + ":" + std::to_string(req.remote_port));
                         })
                    .ok());
    ASSERT_TRUE(router_
                    .Add("GET", "/empty",
                         [](const Request&, const PathParams&) {
                           Response res;
                           res.status = 204;
                           return res;
                         })
                    .ok());
    ASSERT_TRUE(router_
                    .Add("GET", "/inject",
                         [](const Request&, const PathParams&) {
                           Response res = Response::Text(200, "x");
                           res.headers.emplace_back("X-Evil", "a\r\nSet-Cookie: stolen=1");
                           res.headers.emplace_back("Content-Length", "999");
                           res.headers.emplace_back("X-Fine", "yes");
                           return res;
                         })
                    .ok());
    ASSERT_TRUE(router_
                    .Add("GET", "/throw",
                         [](const Request&, const PathParams&) -> Response {
                           throw std::runtime_error("boom");
                         })
                    .ok());
  }

  // Starts a server on an ephemeral port with generous timeouts, so that a missing feature
  // shows up as a hang caught by the test timeout rather than as a silent pass.
  // Timeouts set by a test are kept.
  void StartServer(ServerOptions options = {}) {
    const ServerOptions defaults;
    auto generous = [&](std::chrono::milliseconds& value, std::chrono::milliseconds def) {
      if (value == def) value = std::chrono::minutes(10);
    };
    options.host = "127.0.0.1";
    options.port = 0;
    options.max_body_bytes = kBodyLimit;
    generous(options.read_timeout, defaults.read_timeout);
    generous(options.keep_alive_timeout, defaults.keep_alive_timeout);
    generous(options.shutdown_grace, defaults.shutdown_grace);
    server_ = std::make_unique<Server>(options, router_.AsHandler());
    Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.error().message;
    ASSERT_NE(server_->port(), 0);
  }

  ClientConnection Connect() {
    auto conn = ClientConnection::Connect("127.0.0.1", server_->port());
    EXPECT_TRUE(conn.ok());
    return std::move(conn).value();
  }

  Router router_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, RoutesWithPathParams) {
  StartServer();
  auto res = Fetch("127.0.0.1", server_->port(), "GET", "/items/42");
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"id":"42"})");
  EXPECT_EQ(res->Header("content-type"), "application/json");
  EXPECT_EQ(res->Header("Content-Length"), "11");
}

TEST_F(ServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  StartServer();
  auto not_found = Fetch("127.0.0.1", server_->port(), "GET", "/nothing");
  ASSERT_TRUE(not_found.ok());
  EXPECT_EQ(not_found->status, 404);
  EXPECT_NE(not_found->body.find("\"code\":\"not_found\""), std::string::npos);

  auto not_allowed = Fetch("127.0.0.1", server_->port(), "DELETE", "/items/1");
  ASSERT_TRUE(not_allowed.ok());
  EXPECT_EQ(not_allowed->status, 405);
  EXPECT_EQ(not_allowed->Header("Allow"), "GET");
}

TEST_F(ServerTest, DecodesQueryParameters) {
  StartServer();
  auto res = Fetch("127.0.0.1", server_->port(), "GET", "/query?a=1&b=x+y%2Fz&a=2&e");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->body, "[a=1][b=x y/z][a=2][e=]");
}

TEST_F(ServerTest, MalformedEscapeInTargetIs400) {
  StartServer();
  auto res = Fetch("127.0.0.1", server_->port(), "GET", "/query?a=%zz");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 400);
}

TEST_F(ServerTest, HeaderLookupIgnoresCase) {
  StartServer();
  auto res = Fetch("127.0.0.1", server_->port(), "GET", "/tenant", {{"x-tenant-id", "tenant1"}});
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->body, "tenant1");
}

TEST_F(ServerTest, EchoesBodyWithinLimit) {
  StartServer();
  std::string body(kBodyLimit, 'b');
  auto res = Fetch("127.0.0.1", server_->port(), "POST", "/echo", {}, body);
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, body);
}

TEST_F(ServerTest, ContentLengthOverLimitIs413BeforeTheBodyIsSent) {
  StartServer();
  ClientConnection conn = Connect();
  // Only the head: a server that waited for the body would never answer.
  ASSERT_TRUE(
      conn.WriteRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n").ok());
  auto res = conn.ReadResponse();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(res->Header("Connection"), "close");
}

TEST_F(ServerTest, ChunkedBodyIsDecoded) {
  StartServer();
  ClientConnection conn = Connect();
  ASSERT_TRUE(conn.WriteRaw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
                  .ok());
  auto res = conn.ReadResponse();
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello world");
}

TEST_F(ServerTest, OversizedChunkedBodyIs413) {
  StartServer();
  ClientConnection conn = Connect();
  std::string request = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string chunk(kBodyLimit / 4, 'c');
  char size_line[16];
  std::snprintf(size_line, sizeof(size_line), "%zx\r\n", chunk.size());
  for (int i = 0; i < 8; ++i) request += size_line + chunk + "\r\n";  // twice the limit
  request += "0\r\n\r\n";
  ASSERT_TRUE(conn.WriteRaw(request).ok());
  auto res = conn.ReadResponse();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 413);
}

TEST_F(ServerTest, ExpectContinueGets100ThenTheResponse) {
  StartServer();
  ClientConnection conn = Connect();
  ASSERT_TRUE(conn.WriteRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                            "Expect: 100-continue\r\n\r\n")
                  .ok());
  auto interim = conn.ReadResponse(/*return_interim=*/true);
  ASSERT_TRUE(interim.ok()) << interim.error().message;
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(conn.WriteRaw("hello").ok());
  auto res = conn.ReadResponse();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello");
}

TEST_F(ServerTest, GarbageIs400) {
  StartServer();
  ClientConnection conn = Connect();
  ASSERT_TRUE(conn.WriteRaw("this is not http at all\r\n\r\n").ok());
  auto res = conn.ReadResponse();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("\"error\""), std::string::npos);
}

TEST_F(ServerTest, OversizedHeaderIs431) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  StartServer(options);
  auto res =
      Fetch("127.0.0.1", server_->port(), "GET", "/tenant", {{"X-Big", std::string(4096, 'h')}});
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 431);
}

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  StartServer();
  ClientConnection conn = Connect();
  auto first = conn.Send("GET", "/peer");
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = conn.Send("GET", "/peer");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->Header("Connection"), std::nullopt);
  EXPECT_EQ(first->body, second->body);  // same client port: the same TCP connection
  EXPECT_EQ(first->body.rfind("127.0.0.1:", 0), 0u) << first->body;
}

TEST_F(ServerTest, NoContentResponseKeepsTheConnectionUsable) {
  StartServer();
  ClientConnection conn = Connect();
  auto empty = conn.Send("GET", "/empty");
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_EQ(empty->status, 204);
  EXPECT_EQ(empty->Header("Content-Length"), std::nullopt);
  auto next = conn.Send("GET", "/items/9");
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->body, R"({"id":"9"})");
}

TEST_F(ServerTest, HeadResponseHasNoBodyAndKeepsTheConnectionUsable) {
  StartServer();
  ClientConnection conn = Connect();
  auto head = conn.Send("HEAD", "/items/1");  // no HEAD route: a 405 with a JSON length
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(head->status, 405);
  EXPECT_NE(head->Header("Content-Length"), "0");
  EXPECT_EQ(head->body, "");
  auto next = conn.Send("GET", "/items/2");
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->body, R"({"id":"2"})");
}

TEST_F(ServerTest, HandlerHeadersCannotInjectOrOverrideFraming) {
  StartServer();
  auto res = Fetch("127.0.0.1", server_->port(), "GET", "/inject");
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->Header("Set-Cookie"), std::nullopt);
  EXPECT_EQ(res->Header("X-Evil"), std::nullopt);
  EXPECT_EQ(res->Header("Content-Length"), "1");
  EXPECT_EQ(res->Header("X-Fine"), "yes");
  EXPECT_EQ(res->body, "x");
}

TEST_F(ServerTest, Http10WithoutKeepAliveIsClosedAfterTheResponse) {
  StartServer();
  ClientConnection conn = Connect();
  ASSERT_TRUE(conn.WriteRaw("GET /items/3 HTTP/1.0\r\n\r\n").ok());
  auto res = conn.ReadResponse();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->Header("Connection"), "close");
  EXPECT_TRUE(conn.WaitForClose());
}

TEST_F(ServerTest, IncompleteRequestIsClosedAtTheReadTimeout) {
  ServerOptions options;
  options.read_timeout = std::chrono::milliseconds(50);
  StartServer(options);
  ClientConnection conn = Connect();
  ASSERT_TRUE(conn.WriteRaw("GET /items/1 HTTP/1.1\r\nHost: x\r\n").ok());  // no blank line
  EXPECT_TRUE(conn.WaitForClose());
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosedAtTheIdleTimeout) {
  ServerOptions options;
  options.keep_alive_timeout = std::chrono::milliseconds(50);
  StartServer(options);
  ClientConnection conn = Connect();
  ASSERT_TRUE(conn.Send("GET", "/items/1").ok());
  EXPECT_TRUE(conn.WaitForClose());
}

TEST_F(ServerTest, HandlerExceptionIs500AndTheConnectionSurvives) {
  StartServer();
  ClientConnection conn = Connect();
  auto failed = conn.Send("GET", "/throw");
  ASSERT_TRUE(failed.ok()) << failed.error().message;
  EXPECT_EQ(failed->status, 500);
  EXPECT_EQ(failed->Header("Content-Type"), "application/json");
  EXPECT_NE(failed->body.find("\"code\":\"internal\""), std::string::npos);
  EXPECT_EQ(failed->body.find("boom"), std::string::npos);  // no internals leak out
  auto next = conn.Send("GET", "/items/7");
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->status, 200);
}

TEST_F(ServerTest, HandlerExceptionIsReported) {
  std::promise<std::string> reported;
  ServerOptions options;
  options.on_handler_exception = [&](std::string_view what) {
    reported.set_value(std::string(what));
  };
  StartServer(options);
  auto res = Fetch("127.0.0.1", server_->port(), "GET", "/throw");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(reported.get_future().get(), "boom");
}

TEST_F(ServerTest, StopClosesIdleKeepAliveConnections) {
  StartServer();
  ClientConnection conn = Connect();
  ASSERT_TRUE(conn.Send("GET", "/items/1").ok());
  // Keep-alive and grace are 10 minutes: Stop returns only because it closes the idle one.
  server_->Stop();
  EXPECT_TRUE(conn.WaitForClose());
  server_->Stop();  // idempotent
}

TEST_F(ServerTest, StopLetsARequestInFlightFinish) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> release_future = release.get_future().share();
  ASSERT_TRUE(router_
                  .Add("GET", "/slow",
                       [&](const Request&, const PathParams&) {
                         entered.set_value();
                         release_future.wait();
                         return Response::Text(200, "done");
                       })
                  .ok());
  StartServer();
  auto response = std::async(std::launch::async, [port = server_->port()] {
    return Fetch("127.0.0.1", port, "GET", "/slow");
  });
  entered.get_future().wait();
  std::thread stopper([this] { server_->Stop(); });
  release.set_value();
  stopper.join();
  auto res = response.get();
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "done");
}

TEST_F(ServerTest, StartOnAnOccupiedPortFailsNamingThePort) {
  StartServer();
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = server_->port();
  Server second(options, router_.AsHandler());
  Status status = second.Start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(status.error().message.find(std::to_string(server_->port())), std::string::npos)
      << status.error().message;
}

TEST_F(ServerTest, NewConnectionsAreRefusedAfterStop) {
  StartServer();
  uint16_t port = server_->port();
  server_->Stop();
  EXPECT_FALSE(Fetch("127.0.0.1", port, "GET", "/items/1").ok());
}

TEST(ServerLifecycleTest, DestructorStopsARunningServer) {
  Router router;
  ASSERT_TRUE(router
                  .Add("GET", "/",
                       [](const Request&, const PathParams&) { return Response::Text(200, "ok"); })
                  .ok());
  uint16_t port = 0;
  {
    Server server(ServerOptions{}, router.AsHandler());
    ASSERT_TRUE(server.Start().ok());
    port = server.port();
    auto res = Fetch("127.0.0.1", port, "GET", "/");
    ASSERT_TRUE(res.ok());
    EXPECT_EQ(res->body, "ok");
  }
  EXPECT_FALSE(Fetch("127.0.0.1", port, "GET", "/").ok());
}

}  // namespace
}  // namespace gitops::http
