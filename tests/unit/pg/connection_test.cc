// pg::Connection and pg::Transaction against a real PostgreSQL.
#include "pg/connection.h"

#include <gtest/gtest.h>

#include "pg_test_server.h"

namespace gitops::pg {
namespace {

class ConnectionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dsn_ = new std::string(pgtest::NewDatabase()); }
  void SetUp() override {
    auto conn = Connection::Open(*dsn_);
    ASSERT_TRUE(conn.ok()) << conn.error().message;
    conn_ = std::move(*conn);
    ASSERT_TRUE(
        conn_->ExecScript("DROP TABLE IF EXISTS t; CREATE TABLE t (k text PRIMARY KEY, v text)")
            .ok());
  }
  static std::string* dsn_;
  std::unique_ptr<Connection> conn_;
};
std::string* ConnectionTest::dsn_ = nullptr;

TEST_F(ConnectionTest, ParametersAreBoundNotSplicedIntoTheSql) {
  const std::string hostile = "x'); DROP TABLE t; --";
  ASSERT_TRUE(conn_->Exec("INSERT INTO t VALUES ($1, $2)", {hostile, std::nullopt}).ok());
  auto rows = conn_->Exec("SELECT k, v FROM t WHERE k = $1", {hostile});
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->Text(0, 0), hostile);
  EXPECT_TRUE(rows->IsNull(0, 1));
  EXPECT_EQ(rows->Text(0, 1), "");
}

TEST_F(ConnectionTest, RowsCarryColumnNamesAndTypedAccessors) {
  auto rows = conn_->Exec("SELECT 42::bigint AS n, true AS b, 'x' AS s");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Column("b"), 1);
  EXPECT_EQ(rows->Column("missing"), -1);
  EXPECT_EQ(*rows->Int(0, 0), 42);
  EXPECT_TRUE(rows->Bool(0, 1));
  EXPECT_FALSE(rows->Int(0, 2).ok());
}

TEST_F(ConnectionTest, UniqueViolationIsAlreadyExists) {
  ASSERT_TRUE(conn_->Exec("INSERT INTO t VALUES ($1, $2)", {"a", "1"}).ok());
  auto again = conn_->Exec("INSERT INTO t VALUES ($1, $2)", {"a", "2"});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().details, "sqlstate 23505");
}

TEST_F(ConnectionTest, SyntaxErrorIsInternalWithTheServersMessage) {
  auto bad = conn_->Exec("SELEC 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInternal);
  EXPECT_NE(bad.error().message.find("syntax error"), std::string::npos);
  EXPECT_FALSE(conn_->Broken());
}

TEST_F(ConnectionTest, TransactionRollsBackUnlessCommitted) {
  {
    auto tx = Transaction::Begin(*conn_);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(tx->Exec("INSERT INTO t VALUES ($1, $2)", {"gone", "1"}).ok());
  }
  EXPECT_FALSE(conn_->InTransaction());
  {
    auto tx = Transaction::Begin(*conn_);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(tx->Exec("INSERT INTO t VALUES ($1, $2)", {"kept", "1"}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto rows = conn_->Exec("SELECT k FROM t ORDER BY k");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->Text(0, 0), "kept");
}

TEST_F(ConnectionTest, CommitAfterAFailedStatementIsAbortedAndKeepsNothing) {
  ASSERT_TRUE(conn_->Exec("INSERT INTO t VALUES ($1, $2)", {"a", "1"}).ok());
  auto tx = Transaction::Begin(*conn_);
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE(tx->Exec("INSERT INTO t VALUES ($1, $2)", {"b", "1"}).ok());
  EXPECT_FALSE(tx->Exec("INSERT INTO t VALUES ($1, $2)", {"a", "1"}).ok());
  auto committed = tx->Commit();
  ASSERT_FALSE(committed.ok());
  EXPECT_EQ(committed.error().code, ErrorCode::kAborted);
  EXPECT_FALSE(conn_->InTransaction());
  EXPECT_EQ(conn_->Exec("SELECT k FROM t")->size(), 1u);
}

TEST_F(ConnectionTest, TerminatedSessionIsBrokenAndItsQueriesUnavailable) {
  auto pid = conn_->Exec("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok());
  auto killer = Connection::Open(*dsn_);
  ASSERT_TRUE(killer.ok());
  ASSERT_TRUE(
      (*killer)
          ->Exec("SELECT pg_terminate_backend($1::int, 10000)", {std::string(pid->Text(0, 0))})
          .ok());
  auto after = conn_->Exec("SELECT 1");
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(conn_->Broken());
}

TEST(ConnectionOpenTest, UnreachableServerIsUnavailableNamingTheTargetButNotThePassword) {
  // Port 1 on loopback: nothing listens there, the connect is refused at once.
  for (std::string dsn :
       {std::string("host=127.0.0.1 port=1 dbname=jobs user=u password=s3cr3t-pw"),
        std::string("postgresql://u:s3cr3t-pw@127.0.0.1:1/jobs")}) {
    auto conn = Connection::Open(dsn);
    ASSERT_FALSE(conn.ok());
    EXPECT_EQ(conn.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(conn.error().message.find("127.0.0.1:1/jobs"), std::string::npos)
        << conn.error().message;
    EXPECT_EQ(conn.error().message.find("s3cr3t-pw"), std::string::npos);
    EXPECT_EQ(conn.error().details.find("s3cr3t-pw"), std::string::npos);
  }
}

TEST(ConnectionOpenTest, MalformedStringIsInvalidArgumentAndNotEchoed) {
  auto conn = Connection::Open("host=127.0.0.1 password=s3cr3t-pw bogus");
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(conn.error().message.find("s3cr3t-pw"), std::string::npos);
}

TEST(ConnectionOpenTest, DescribeTargetNeverShowsThePassword) {
  EXPECT_EQ(DescribeTarget("postgresql://u:pw@db.example:6543/jobs"), "db.example:6543/jobs");
  EXPECT_EQ(DescribeTarget("host=h dbname=d password=pw"), "h:5432/d");
}

}  // namespace
}  // namespace gitops::pg
