// Test PostgreSQL servers through scripts/test-servers.sh, and per-binary databases.
#include "pg_test_server.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "core/ids.h"
#include "pg/connection.h"
#include "pg/migrate.h"

namespace gitops::pgtest {
namespace {

const std::string kScript = std::string(GITOPS_SOURCE_DIR) + "/scripts/test-servers.sh";

// Runs the script, returns its stdout; throws (a fatal test error) when it fails.
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

// The value of `export NAME='value'` in the script's output.
std::string ExportedValue(const std::string& out, const std::string& name) {
  std::string prefix = "export " + name + "='";
  size_t at = out.find(prefix);
  if (at == std::string::npos) throw std::runtime_error("test-servers.sh did not export " + name);
  at += prefix.size();
  return out.substr(at, out.find('\'', at) - at);
}

struct Shared {
  std::mutex mu;
  std::string dsn;
  std::string started_dir;  // non-empty when this process started the server
  std::vector<std::string> databases;
};

Shared& State() {
  static Shared* state = new Shared;  // outlives the environment's TearDown
  return *state;
}

// Drops the databases and stops the server this process started, after the last test.
class PgEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    Shared& s = State();
    std::lock_guard lock(s.mu);
    if (!s.dsn.empty() && !s.databases.empty()) {
      auto admin = pg::Connection::Open(s.dsn);
      if (admin.ok()) {
        for (const auto& db : s.databases) {
          (void)(*admin)->ExecScript("DROP DATABASE IF EXISTS \"" + db + "\" WITH (FORCE)");
        }
      }
    }
    s.databases.clear();
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
  ::testing::AddGlobalTestEnvironment(new PgEnvironment);
  return true;
}();

}  // namespace

const std::string& SharedDsn() {
  (void)kRegistered;
  Shared& s = State();
  std::lock_guard lock(s.mu);
  if (s.dsn.empty()) {
    const char* env = std::getenv("PG_TEST_DSN");
    if (env != nullptr && *env != '\0') {
      s.dsn = env;
    } else {
      std::string out = RunScript("start pg");
      s.started_dir = ExportedValue(out, "TEST_SERVERS_DIR");
      s.dsn = ExportedValue(out, "PG_TEST_DSN");
    }
  }
  return s.dsn;
}

std::string WithDatabase(const std::string& dsn, const std::string& db) {
  for (const char* scheme : {"postgresql://", "postgres://"}) {
    std::string prefix = scheme;
    if (dsn.compare(0, prefix.size(), prefix) != 0) continue;
    size_t query = dsn.find('?');
    size_t slash = dsn.find('/', prefix.size());
    if (slash == std::string::npos || slash > query) slash = query;
    std::string head = dsn.substr(0, slash == std::string::npos ? dsn.size() : slash);
    std::string tail = query == std::string::npos ? "" : dsn.substr(query);
    return head + "/" + db + tail;
  }
  return dsn + " dbname=" + db;  // the last occurrence of a keyword wins
}

std::string NewDatabase() {
  const std::string& dsn = SharedDsn();
  std::string name = "gitops_test_" + NewUuid().substr(0, 8) + NewUuid().substr(0, 8);
  auto admin = pg::Connection::Open(dsn);
  if (!admin.ok()) throw std::runtime_error(admin.error().message);
  auto created = (*admin)->ExecScript("CREATE DATABASE \"" + name + "\"");
  if (!created.ok()) throw std::runtime_error(created.error().message);
  Shared& s = State();
  std::lock_guard lock(s.mu);
  s.databases.push_back(name);
  return WithDatabase(dsn, name);
}

std::shared_ptr<pg::Pool> NewMigratedPool(size_t max_connections) {
  auto pool = std::make_shared<pg::Pool>(pg::PoolOptions{NewDatabase(), max_connections});
  auto migrated = pg::Migrate(*pool, pg::EmbeddedMigrations());
  if (!migrated.ok()) throw std::runtime_error(migrated.error().message);
  return pool;
}

PrivateServer::PrivateServer() {
  std::string out = RunScript("start pg");
  dir_ = ExportedValue(out, "TEST_SERVERS_DIR");
  dsn_ = ExportedValue(out, "PG_TEST_DSN");
}

PrivateServer::~PrivateServer() {
  try {
    RunScript("stop '" + dir_ + "'");
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
}

void PrivateServer::Stop() { RunScript("pg-stop '" + dir_ + "'"); }
void PrivateServer::Start() { RunScript("pg-start '" + dir_ + "'"); }
void PrivateServer::Restart() { RunScript("pg-restart '" + dir_ + "'"); }

}  // namespace gitops::pgtest
