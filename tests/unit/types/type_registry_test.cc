#include "types/type_registry.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace gitops::types
