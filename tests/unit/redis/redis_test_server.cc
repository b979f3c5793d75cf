// Test Redis servers through scripts/test-servers.sh, and per-suite key prefixes.
#include "redis_test_server.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "core/ids.h"
#include "redis/connection.h"

namespace gitops::redistest {
namespace {

const std::string kScript = std::string(GITOPS_SOURCE_DIR) + "/scripts/test-servers.sh";

// Runs the script, returns its stdout; throws when it fails.
std::string RunScript(const std::string& args) {
  std::string command = kScript + " " + args;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int rc = pclose(pipe);
  if (rc != 0) throw std::runtime_error(command + " failed (status " + std::to_string(rc) + ")");
  return out;
}

std::string ExportedValue(const std::string& out, const std::string& name) {
  std::string prefix = "export " + name + "='";
  size_t at = out.find(prefix);
  if (at == std::string::npos) throw std::runtime_error("test-servers.sh did not export " + name);
  at += prefix.size();
  return out.substr(at, out.find('\'', at) - at);
}

struct Shared {
  std::mutex mu;
  std::string url;
  std::string started_dir;  // non-empty when this process started the server
  std::vector<std::string> prefixes;
};

Shared& State() {
  static Shared* state = new Shared;  // outlives the environment's TearDown
  return *state;
}

// Deletes every key under `prefix` (SCAN + DEL).
void DeletePrefix(redis::Connection& conn, const std::string& prefix) {
  std::string cursor = "0", match = prefix + "*";
  do {
    auto reply = conn.Command({"SCAN", cursor, "MATCH", match, "COUNT", "1000"});
    if (!reply.ok() || reply->elements.size() != 2) return;
    cursor = reply->elements[0].str;
    std::vector<std::string_view> del{"DEL"};
    for (const auto& key : reply->elements[1].elements) del.push_back(key.str);
    if (del.size() > 1) (void)conn.Command(del);
  } while (cursor != "0");
}

class RedisEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    Shared& s = State();
    std::lock_guard lock(s.mu);
    if (!s.url.empty() && s.started_dir.empty() && !s.prefixes.empty()) {
      auto endpoint = redis::ParseUrl(s.url);
      if (endpoint.ok()) {
        auto conn = redis::Connection::Open(*endpoint);
        if (conn.ok()) {
          for (const auto& prefix : s.prefixes) DeletePrefix(**conn, prefix);
        }
      }
    }
    s.prefixes.clear();
    if (!s.started_dir.empty()) {
      try {
        RunScript("stop '" + s.started_dir + "'");
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
      s.started_dir.clear();
    }
  }
};

const bool kRegistered = [] {
  ::testing::AddGlobalTestEnvironment(new RedisEnvironment);
  return true;
}();

}  // namespace

const std::string& SharedUrl() {
  (void)kRegistered;
  Shared& s = State();
  std::lock_guard lock(s.mu);
  if (s.url.empty()) {
    const char* env = std::getenv("REDIS_TEST_URL");
    if (env != nullptr && *env != '\0') {
      s.url = env;
    } else {
      std::string out = RunScript("start redis");
      s.started_dir = ExportedValue(out, "TEST_SERVERS_DIR");
      s.url = ExportedValue(out, "REDIS_TEST_URL");
    }
  }
  return s.url;
}

std::string NewPrefix() {
  (void)SharedUrl();
  std::string prefix = "gitops-test:" + NewUuid().substr(0, 8) + NewUuid().substr(0, 8) + ":";
  Shared& s = State();
  std::lock_guard lock(s.mu);
  s.prefixes.push_back(prefix);
  return prefix;
}

PrivateServer::PrivateServer() {
  std::string out = RunScript("start redis");
  dir_ = ExportedValue(out, "TEST_SERVERS_DIR");
  url_ = ExportedValue(out, "REDIS_TEST_URL");
}

PrivateServer::~PrivateServer() {
  try {
    RunScript("stop '" + dir_ + "'");
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
}

void PrivateServer::Stop() { RunScript("redis-stop '" + dir_ + "'"); }
void PrivateServer::Start() { RunScript("redis-start '" + dir_ + "'"); }

}  // namespace gitops::redistest
