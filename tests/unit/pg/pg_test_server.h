// PostgreSQL for tests: the server PG_TEST_DSN names, or, when it is unset, a throwaway one
// this test process starts with scripts/test-servers.sh and stops when the tests end. Each
// test binary works in its own randomly named database, so binaries can run in parallel.
#pragma once

#include <memory>
#include <string>

#include "pg/pool.h"

namespace gitops::pgtest {

// The shared server's DSN (starts it on first use when PG_TEST_DSN is unset; a failure to
// start is a fatal test error, never a skip).
const std::string& SharedDsn();

// `dsn` (key=value or postgresql:// URL) pointing at database `db` instead.
std::string WithDatabase(const std::string& dsn, const std::string& db);

// Creates a new empty database gitops_test_<random> on the shared server, dropped when the
// tests end; returns its DSN.
std::string NewDatabase();

// A new database migrated with the embedded migrations, and a pool to it.
std::shared_ptr<pg::Pool> NewMigratedPool(size_t max_connections = 8);

// A private PostgreSQL (own data directory) that a test may stop, start and restart without
// disturbing others; stopped and removed by the destructor.
class PrivateServer {
 public:
  PrivateServer();  // fatal test failure when it cannot start
  ~PrivateServer();
  const std::string& dsn() const { return dsn_; }
  void Stop();     // pg_ctl stop -m fast (data kept)
  void Start();    // start again on the same port
  void Restart();  // pg_ctl restart

 private:
  std::string dsn_;
  std::string dir_;
};

}  // namespace gitops::pgtest
