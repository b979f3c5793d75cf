// TypeRegistry in dev mode (Persist callback) and in shared mode (a TypeStore that other
// registries, as other processes, add to).
#include "types/type_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "types/memory/memory_type_store.h"

namespace gitops::types {
namespace {

config::ResourceTypeConfig Type(std::string name) {
  config::ResourceTypeConfig t;
  t.name = std::move(name);
  t.template_dir = t.name + "/";
  t.flavors = {"small"};
  t.path_template = config::DefaultPathTemplate(false);
  return t;
}

TEST(TypeRegistryTest, FindsConfiguredAndAddedTypesInOrder) {
  TypeRegistry reg({Type("namespace"), Type("vm")}, {Type("loadbalancer")});
  ASSERT_NE(reg.Find("vm"), nullptr);
  EXPECT_EQ(reg.Find("nope"), nullptr);
  auto all = reg.List();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2]->name, "loadbalancer");
}

TEST(TypeRegistryTest, AddPersistsBeforeBecomingVisible) {
  std::vector<std::string> persisted;
  TypeRegistry reg({Type("vm")}, {}, [&](const std::vector<config::ResourceTypeConfig>& added) {
    persisted.clear();
    for (const auto& t : added) persisted.push_back(t.name);
    return OkStatus();
  });
  ASSERT_TRUE(reg.Add(Type("dns")).ok());
  EXPECT_EQ(persisted, std::vector<std::string>{"dns"});
  EXPECT_NE(reg.Find("dns"), nullptr);
}

TEST(TypeRegistryTest, DuplicateNameIsAlreadyExists) {
  TypeRegistry reg({Type("vm")});
  auto s = reg.Add(Type("vm"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kAlreadyExists);
}

TEST(TypeRegistryTest, PersistFailureLeavesRegistryUnchanged) {
  TypeRegistry reg({}, {}, [](const std::vector<config::ResourceTypeConfig>&) {
    return Status(Unexpected(ErrorCode::kUnavailable, "disk full"));
  });
  EXPECT_FALSE(reg.Add(Type("dns")).ok());
  EXPECT_EQ(reg.Find("dns"), nullptr);
  EXPECT_TRUE(reg.List().empty());
}

TEST(TypeRegistryTest, PersistReceivesEarlierAdditionsFirst) {
  std::vector<std::string> persisted;
  TypeRegistry reg({Type("vm")}, {Type("lb")},
                   [&](const std::vector<config::ResourceTypeConfig>& added) {
                     persisted.clear();
                     for (const auto& t : added) persisted.push_back(t.name);
                     return OkStatus();
                   });
  ASSERT_TRUE(reg.Add(Type("dns")).ok());
  EXPECT_EQ(persisted, (std::vector<std::string>{"lb", "dns"}));
}

TEST(TypeRegistryTest, AddedTypeNamedLikeAConfiguredOneIsIgnored) {
  config::ResourceTypeConfig other = Type("vm");
  other.template_dir = "other/";
  TypeRegistry reg({Type("vm")}, {other});
  EXPECT_EQ(reg.Find("vm")->template_dir, "vm/");
  EXPECT_EQ(reg.List().size(), 1u);
}

// The "database" several registries (processes) share, with a switch to take it down and
// counters of the reads that reach it.
struct SharedBackend {
  MemoryTypeStore store;
  std::atomic<bool> down{false};
  std::atomic<int> loads{0};      // Load(name) calls
  std::atomic<int> load_alls{0};  // LoadAll calls
};

class FakeStore final : public TypeStore {
 public:
  explicit FakeStore(std::shared_ptr<SharedBackend> backend) : backend_(std::move(backend)) {}

  Status Add(const config::ResourceTypeConfig& type) override {
    if (backend_->down) return Unexpected(ErrorCode::kUnavailable, "database down");
    return backend_->store.Add(type);
  }
  Result<std::vector<config::ResourceTypeConfig>> LoadAll() override {
    ++backend_->load_alls;
    if (backend_->down) return Unexpected(ErrorCode::kUnavailable, "database down");
    return backend_->store.LoadAll();
  }
  Result<std::optional<config::ResourceTypeConfig>> Load(std::string_view name) override {
    ++backend_->loads;
    if (backend_->down) return Unexpected(ErrorCode::kUnavailable, "database down");
    return backend_->store.Load(name);
  }

 private:
  std::shared_ptr<SharedBackend> backend_;
};

class SharedTypeRegistryTest : public ::testing::Test {
 protected:
  // A registry of another process: resource_configs.yaml's `vm`, and the shared backend.
  std::unique_ptr<TypeRegistry> Process() {
    return std::make_unique<TypeRegistry>(std::vector<config::ResourceTypeConfig>{Type("vm")},
                                          std::make_unique<FakeStore>(backend_));
  }
  static std::vector<std::string> Names(const std::vector<TypePtr>& types) {
    std::vector<std::string> out;
    for (const auto& t : types) out.push_back(t->name);
    return out;
  }

  std::shared_ptr<SharedBackend> backend_ = std::make_shared<SharedBackend>();
};

TEST_F(SharedTypeRegistryTest, AddStoresTheTypeInTheSharedStore) {
  auto a = Process();
  ASSERT_TRUE(a->Add(Type("dns")).ok());
  auto stored = backend_->store.Load("dns");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ(**stored, Type("dns"));
  EXPECT_NE(a->Find("dns"), nullptr);
}

TEST_F(SharedTypeRegistryTest, TypeAddedByAnotherProcessIsFoundOnAMiss) {
  auto a = Process();
  auto b = Process();
  ASSERT_NE(b->Find("vm"), nullptr);  // both know the configured types
  ASSERT_TRUE(a->Add(Type("dns")).ok());
  TypePtr found = b->Find("dns");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(*found, Type("dns"));
}

TEST_F(SharedTypeRegistryTest, KnownTypesAreFoundWithoutAskingTheStore) {
  auto a = Process();
  auto b = Process();
  ASSERT_TRUE(a->Add(Type("dns")).ok());
  ASSERT_NE(b->Find("dns"), nullptr);
  ASSERT_EQ(backend_->loads, 1);
  EXPECT_NE(b->Find("dns"), nullptr);
  EXPECT_NE(b->Find("vm"), nullptr);
  EXPECT_NE(a->Find("dns"), nullptr);
  EXPECT_EQ(backend_->loads, 1);
}

TEST_F(SharedTypeRegistryTest, UnknownNameIsNotFound) {
  auto b = Process();
  EXPECT_EQ(b->Find("dns"), nullptr);
  auto looked = b->Lookup("dns");
  ASSERT_FALSE(looked.ok());
  EXPECT_EQ(looked.error().code, ErrorCode::kNotFound);
}

TEST_F(SharedTypeRegistryTest, NameNoTypeCanHaveIsNotLookedUp) {
  auto b = Process();
  for (const char* name : {"", "Not_A_Label", "a/b", "..", "x\xff"}) {
    EXPECT_EQ(b->Find(name), nullptr) << name;
  }
  EXPECT_EQ(backend_->loads, 0);
}

TEST_F(SharedTypeRegistryTest, MissWhileTheStoreIsDownIsUnavailable) {
  auto a = Process();
  ASSERT_TRUE(a->Add(Type("dns")).ok());
  auto b = Process();
  backend_->down = true;
  EXPECT_EQ(b->Find("dns"), nullptr);
  auto looked = b->Lookup("dns");
  ASSERT_FALSE(looked.ok());
  EXPECT_EQ(looked.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(b->Find("vm"), nullptr);  // configured types need no store
  backend_->down = false;
  EXPECT_NE(b->Find("dns"), nullptr);  // a failed lookup is not remembered
}

TEST_F(SharedTypeRegistryTest, ListIncludesTypesOtherProcessesAddedInOrderOfAddition) {
  auto a = Process();
  auto b = Process();
  ASSERT_TRUE(a->Add(Type("xray")).ok());
  ASSERT_TRUE(a->Add(Type("yak")).ok());
  ASSERT_TRUE(b->Add(Type("zebra")).ok());
  ASSERT_NE(b->Find("yak"), nullptr);  // b learns of yak after zebra
  EXPECT_EQ(Names(b->List()), (std::vector<std::string>{"vm", "xray", "yak", "zebra"}));
  EXPECT_EQ(Names(a->List()), (std::vector<std::string>{"vm", "xray", "yak", "zebra"}));
}

TEST_F(SharedTypeRegistryTest, ListKeepsTheTypePointersItHandedOut) {
  auto a = Process();
  auto b = Process();
  ASSERT_TRUE(a->Add(Type("dns")).ok());
  TypePtr before = b->Find("dns");
  ASSERT_NE(before, nullptr);
  auto all = b->List();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1], before);
}

TEST_F(SharedTypeRegistryTest, ListWhileTheStoreIsDownGivesTheKnownTypes) {
  auto a = Process();
  auto b = Process();
  ASSERT_TRUE(a->Add(Type("dns")).ok());
  ASSERT_NE(b->Find("dns"), nullptr);
  ASSERT_TRUE(a->Add(Type("mx")).ok());
  backend_->down = true;
  EXPECT_EQ(Names(b->List()), (std::vector<std::string>{"vm", "dns"}));
  Status refreshed = b->Refresh();
  ASSERT_FALSE(refreshed.ok());
  EXPECT_EQ(refreshed.error().code, ErrorCode::kUnavailable);
}

TEST_F(SharedTypeRegistryTest, RefreshLoadsEveryStoredTypeUpFront) {
  auto a = Process();
  ASSERT_TRUE(a->Add(Type("dns")).ok());
  ASSERT_TRUE(a->Add(Type("mx")).ok());
  auto b = Process();
  ASSERT_TRUE(b->Refresh().ok());
  backend_->down = true;
  EXPECT_NE(b->Find("dns"), nullptr);
  EXPECT_NE(b->Find("mx"), nullptr);
  EXPECT_EQ(backend_->loads, 0);
}

TEST_F(SharedTypeRegistryTest, ConfiguredTypeWinsOverAStoredOneOfTheSameName) {
  // Another process, whose resource_configs.yaml lacks `vm`, added one.
  config::ResourceTypeConfig other = Type("vm");
  other.template_dir = "other/";
  ASSERT_TRUE(backend_->store.Add(other).ok());
  auto b = Process();
  ASSERT_TRUE(b->Refresh().ok());
  EXPECT_EQ(b->Find("vm")->template_dir, "vm/");
  auto all = b->List();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]->template_dir, "vm/");
}

TEST_F(SharedTypeRegistryTest, AddOfAConfiguredNameIsAlreadyExistsAndStoresNothing) {
  auto a = Process();
  Status s = a->Add(Type("vm"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(backend_->store.LoadAll()->empty());
}

TEST_F(SharedTypeRegistryTest, AddOfANameAnotherProcessTookIsAlreadyExists) {
  auto a = Process();
  auto b = Process();
  ASSERT_TRUE(a->Add(Type("dns")).ok());
  config::ResourceTypeConfig mine = Type("dns");
  mine.template_dir = "mine/";
  Status s = b->Add(mine);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(b->Find("dns")->template_dir, "dns/");
}

TEST_F(SharedTypeRegistryTest, AddWhileTheStoreIsDownFailsAndShowsNothing) {
  auto a = Process();
  backend_->down = true;
  Status s = a->Add(Type("dns"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
  backend_->down = false;
  EXPECT_EQ(a->Find("dns"), nullptr);
  EXPECT_EQ(Names(a->List()), std::vector<std::string>{"vm"});
}

TEST_F(SharedTypeRegistryTest, ConcurrentMissesOfOneNamePublishOneType) {
  auto a = Process();
  ASSERT_TRUE(a->Add(Type("dns")).ok());
  auto b = Process();
  constexpr int kThreads = 8;
  std::vector<TypePtr> found(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { found[i] = b->Find("dns"); });
  }
  for (auto& t : threads) t.join();
  ASSERT_NE(found[0], nullptr);
  for (const auto& t : found) EXPECT_EQ(t, found[0]);
  EXPECT_EQ(Names(b->List()), (std::vector<std::string>{"vm", "dns"}));
}

TEST_F(SharedTypeRegistryTest, ConcurrentAddsOfOneNameFromTwoProcessesLetOneWin) {
  auto a = Process();
  auto b = Process();
  Status from_a, from_b;
  std::thread ta([&] { from_a = a->Add(Type("dns")); });
  std::thread tb([&] { from_b = b->Add(Type("dns")); });
  ta.join();
  tb.join();
  EXPECT_NE(from_a.ok(), from_b.ok());
  const Status& lost = from_a.ok() ? from_b : from_a;
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(a->Find("dns"), nullptr);
  EXPECT_NE(b->Find("dns"), nullptr);
}

}  // namespace
}  // namespace gitops::types
