// The TypeStore contract: every implementation (memory, postgres) instantiates this suite with
// a factory, e.g.
//   INSTANTIATE_TEST_SUITE_P(Memory, TypeStoreContract,
//       ::testing::Values(TypeStoreImpl{"memory", [] { return ...; }}), TypeStoreImplName());
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "config/resource_type.h"
#include "types/type_store.h"

namespace gitops::types::contract {

struct TypeStoreImpl {
  std::string name;
  // Returns a new store over an empty backend. Two stores made by one call of `make_pair`
  // share one backend (as two processes share a database).
  std::function<std::unique_ptr<TypeStore>()> make;
  std::function<std::pair<std::unique_ptr<TypeStore>, std::unique_ptr<TypeStore>>()> make_pair;
};
inline void PrintTo(const TypeStoreImpl& impl, std::ostream* os) { *os << impl.name; }

struct TypeStoreImplName {
  std::string operator()(const ::testing::TestParamInfo<TypeStoreImpl>& info) const {
    return info.param.name;
  }
};

// A valid type (through ParseResourceType, as the API builds them) with `template_dir`.
inline config::ResourceTypeConfig ContractType(const std::string& name,
                                               const std::string& template_dir = "misc/") {
  nlohmann::json body = {{"template_dir", template_dir}, {"flavors", {"small"}}};
  auto type = config::ParseResourceType(name, body);
  if (!type.ok()) ADD_FAILURE() << type.error().message;
  return type.ok() ? *type : config::ResourceTypeConfig{};
}

class TypeStoreContract : public ::testing::TestWithParam<TypeStoreImpl> {
 protected:
  void SetUp() override { store_ = GetParam().make(); }

  std::vector<std::string> Names() {
    auto all = store_->LoadAll();
    EXPECT_TRUE(all.ok()) << all.error().message;
    std::vector<std::string> out;
    if (all.ok()) {
      for (const auto& t : *all) out.push_back(t.name);
    }
    return out;
  }

  std::unique_ptr<TypeStore> store_;
};

TEST_P(TypeStoreContract, EveryFieldLoadsBackEqual) {
  nlohmann::json body = {{"repo_url", "https://git.example.com/dns.git"},
                         {"template_dir", "misc/dns"},
                         {"cluster_aware", true},
                         {"flavors", {"small", "large"}},
                         {"branch", "release"},
                         {"path_template", "zones/{tenant_id}/{cluster_id}/{name}.zone"},
                         {"strict_undefined", true},
                         {"template_extension", ".txt.j2"},
                         {"webhook",
                          {{"enabled", true},
                           {"url", "https://hooks.example.com/dns"},
                           {"mode", "staged"},
                           {"timeout", 7},
                           {"retries", 2},
                           {"secret", "s3cr\xc3\xa9t"},
                           {"events", {"submitted", "completed"}}}}};
  auto type = config::ParseResourceType("dnszone", body);
  ASSERT_TRUE(type.ok()) << type.error().message;
  ASSERT_TRUE(store_->Add(*type).ok());

  auto one = store_->Load("dnszone");
  ASSERT_TRUE(one.ok()) << one.error().message;
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ(**one, *type);
  auto all = store_->LoadAll();
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0], *type);
  EXPECT_EQ((*all)[0].webhook.secret, "s3cr\xc3\xa9t");  // kept, not "<redacted>"
}

TEST_P(TypeStoreContract, LoadAllKeepsTheOrderOfAddition) {
  for (const char* name : {"zeta", "alpha", "mid"}) {
    ASSERT_TRUE(store_->Add(ContractType(name)).ok()) << name;
  }
  EXPECT_EQ(Names(), (std::vector<std::string>{"zeta", "alpha", "mid"}));
}

TEST_P(TypeStoreContract, EmptyStoreLoadsNothing) {
  EXPECT_TRUE(Names().empty());
  auto one = store_->Load("dnszone");
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_FALSE(one->has_value());
}

TEST_P(TypeStoreContract, TakenNameIsAlreadyExistsAndKeepsTheFirstDefinition) {
  ASSERT_TRUE(store_->Add(ContractType("dnszone", "first/")).ok());
  Status again = store_->Add(ContractType("dnszone", "second/"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  auto one = store_->Load("dnszone");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->template_dir, "first/");
  EXPECT_EQ(Names(), std::vector<std::string>{"dnszone"});
}

TEST_P(TypeStoreContract, TypeAddedThroughOneStoreIsReadThroughAnother) {
  auto [a, b] = GetParam().make_pair();
  ASSERT_TRUE(a->Add(ContractType("dnszone")).ok());
  auto one = b->Load("dnszone");
  ASSERT_TRUE(one.ok()) << one.error().message;
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ((*one)->name, "dnszone");
  Status again = b->Add(ContractType("dnszone", "other/"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
}

TEST_P(TypeStoreContract, OfConcurrentAddsOfOneNameExactlyOneWins) {
  auto [a, b] = GetParam().make_pair();
  constexpr int kPerStore = 4;
  std::vector<Status> results(2 * kPerStore);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2 * kPerStore; ++i) {
    TypeStore* store = i < kPerStore ? a.get() : b.get();
    threads.emplace_back([store, i, &results] {
      results[i] = store->Add(ContractType("dnszone", "t" + std::to_string(i) + "/"));
    });
  }
  for (auto& t : threads) t.join();
  int won = -1;
  for (int i = 0; i < 2 * kPerStore; ++i) {
    if (results[i].ok()) {
      EXPECT_EQ(won, -1) << "two additions won";
      won = i;
    } else {
      EXPECT_EQ(results[i].error().code, ErrorCode::kAlreadyExists) << results[i].error().message;
    }
  }
  ASSERT_NE(won, -1);
  auto one = a->Load("dnszone");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->template_dir, "t" + std::to_string(won) + "/");
}

}  // namespace gitops::types::contract
