// PostgresTypeStore against a real PostgreSQL: the TypeStore contract (two stores on two pools
// stand for two processes), the stored row's shape, registries of a serve replica and a worker
// sharing the table, a corrupt row, a down database.
#include "types/postgres/postgres_type_store.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/clock.h"
#include "pg_test_server.h"
#include "type_store_contract.h"
#include "types/type_registry.h"

namespace gitops::types {
namespace {

const FakeClock& TestClock() {
  static const FakeClock clock;
  return clock;
}

// The binary's database, migrated once; emptied for every new store. A second pool to the
// same database stands for another process.
struct Databases {
  std::string dsn;
  std::shared_ptr<pg::Pool> first;
  std::shared_ptr<pg::Pool> second;
};

Databases& Shared() {
  static Databases* db = [] {
    auto* d = new Databases;
    d->first = pgtest::NewMigratedPool(16);
    // NewMigratedPool does not tell the DSN: ask the server which database this is.
    auto name = d->first->Exec("SELECT current_database()");
    if (!name.ok()) throw std::runtime_error(name.error().message);
    d->dsn = pgtest::WithDatabase(pgtest::SharedDsn(), std::string(name->Text(0, 0)));
    d->second = std::make_shared<pg::Pool>(pg::PoolOptions{d->dsn, 16});
    return d;
  }();
  return *db;
}

std::shared_ptr<pg::Pool> EmptyTypesPool() {
  auto& db = Shared();
  auto emptied = db.first->Exec("TRUNCATE resource_types");
  if (!emptied.ok()) throw std::runtime_error(emptied.error().message);
  return db.first;
}

std::unique_ptr<TypeStore> NewStore(std::shared_ptr<pg::Pool> pool) {
  return std::make_unique<PostgresTypeStore>(std::move(pool), config::TypeDefaults{}, TestClock());
}

}  // namespace

namespace contract {
INSTANTIATE_TEST_SUITE_P(Postgres, TypeStoreContract,
                         ::testing::Values(TypeStoreImpl{
                             "postgres", [] { return NewStore(EmptyTypesPool()); },
                             [] {
                               auto first = EmptyTypesPool();
                               return std::make_pair(NewStore(first), NewStore(Shared().second));
                             }}),
                         TypeStoreImplName());
}  // namespace contract

namespace {

class PostgresTypeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { pool_ = EmptyTypesPool(); }

  // A registry of one process: its own pool, resource_configs.yaml's `misc`.
  std::unique_ptr<TypeRegistry> Process(std::shared_ptr<pg::Pool> pool) {
    return std::make_unique<TypeRegistry>(
        std::vector<config::ResourceTypeConfig>{contract::ContractType("misc")},
        NewStore(std::move(pool)));
  }

  std::shared_ptr<pg::Pool> pool_;
};

TEST_F(PostgresTypeStoreTest, RowHoldsTheDefinitionAsResourceTypeToJsonWritesIt) {
  nlohmann::json body = {
      {"template_dir", "misc/"},
      {"flavors", {"small"}},
      {"path_template", "zones/{tenant_id}/{name}.zone"},
      {"webhook",
       {{"enabled", true}, {"url", "https://hooks.example.com/x"}, {"secret", "literal-secret"}}}};
  auto type = config::ParseResourceType("dnszone", body);
  ASSERT_TRUE(type.ok()) << type.error().message;
  PostgresTypeStore store(pool_, {}, TestClock());
  ASSERT_TRUE(store.Add(*type).ok());

  auto rows = pool_->Exec(
      "SELECT name, definition::text, gitops_us(created_at), position FROM resource_types");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->Text(0, 0), "dnszone");
  EXPECT_EQ(nlohmann::json::parse(rows->Text(0, 1)),
            config::ResourceTypeToJson(*type, config::SecretOutput::kInclude));
  EXPECT_NE(rows->Text(0, 1).find("literal-secret"), std::string_view::npos);
  EXPECT_EQ(*rows->Int(0, 2), std::chrono::duration_cast<std::chrono::microseconds>(
                                  TestClock().Now().time_since_epoch())
                                  .count());
}

TEST_F(PostgresTypeStoreTest, TableRefusesADefinitionThatIsNotOfItsName) {
  auto inserted = pool_->Exec(
      "INSERT INTO resource_types (name, definition, created_at)"
      " VALUES ('dnszone', '{\"name\": \"other\"}', now())");
  ASSERT_FALSE(inserted.ok());
}

TEST_F(PostgresTypeStoreTest, RowThatNoLongerParsesIsInternalNamingIt) {
  auto inserted = pool_->Exec(
      "INSERT INTO resource_types (name, definition, created_at)"
      " VALUES ('dnszone', '{\"name\": \"dnszone\", \"flavors\": 7}', now())");
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;
  PostgresTypeStore store(pool_, {}, TestClock());
  auto all = store.LoadAll();
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.error().code, ErrorCode::kInternal);
  EXPECT_NE(all.error().message.find("dnszone"), std::string::npos);
  auto one = store.Load("dnszone");
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.error().code, ErrorCode::kInternal);
}

TEST_F(PostgresTypeStoreTest, SecretEnvIsNeverResolvedFromTheEnvironment) {
  // Only the API adds rows, and it refuses secret_env; a row that has one anyway must not
  // read the service's environment even when the defaults offer one.
  auto inserted = pool_->Exec(
      "INSERT INTO resource_types (name, definition, created_at) VALUES ('dnszone',"
      " '{\"name\": \"dnszone\", \"flavors\": [\"small\"], \"webhook\": {\"enabled\": true,"
      " \"url\": \"https://h.example.com/\", \"secret_env\": \"GITOPS_TEST_SECRET\"}}', now())");
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;
  config::EnvMap env{{"GITOPS_TEST_SECRET", "from-the-environment"}};
  config::TypeDefaults defaults;
  defaults.environment = &env;
  PostgresTypeStore store(pool_, defaults, TestClock());
  auto one = store.Load("dnszone");
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.error().code, ErrorCode::kInternal);
}

TEST_F(PostgresTypeStoreTest, TypeAddedOnOneReplicaIsServedByAnotherAndByAWorker) {
  auto replica_a = Process(pool_);
  auto replica_b = Process(Shared().second);
  auto worker = Process(std::make_shared<pg::Pool>(pg::PoolOptions{Shared().dsn, 2}));
  ASSERT_TRUE(replica_b->Refresh().ok());  // b started before the type existed

  ASSERT_TRUE(replica_a->Add(contract::ContractType("dnszone", "dns/")).ok());
  TypePtr on_worker = worker->Find("dnszone");
  ASSERT_NE(on_worker, nullptr);
  EXPECT_EQ(on_worker->template_dir, "dns/");
  auto listed = replica_b->List();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[1]->name, "dnszone");
  Status again = replica_b->Add(contract::ContractType("dnszone", "other/"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
}

TEST_F(PostgresTypeStoreTest, DownDatabaseIsUnavailable) {
  pg::PoolOptions options;
  options.conninfo = "host=127.0.0.1 port=1 dbname=gitops connect_timeout=2";
  auto down = std::make_shared<pg::Pool>(options);
  PostgresTypeStore store(down, {}, TestClock());
  EXPECT_EQ(store.Add(contract::ContractType("dnszone")).error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.LoadAll().error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.Load("dnszone").error().code, ErrorCode::kUnavailable);

  auto registry = Process(down);
  EXPECT_EQ(registry->Lookup("dnszone").error().code, ErrorCode::kUnavailable);
  EXPECT_NE(registry->Find("misc"), nullptr);
  EXPECT_EQ(registry->List().size(), 1u);
}

}  // namespace
}  // namespace gitops::types
