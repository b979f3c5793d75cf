// Tests of the pack writer and pack merging (src/git/pack_writer.h), checked with the git CLI.
#include "git/pack_writer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "git/repository.h"
#include "git_test_util.h"

namespace gitops::git::internal {
namespace {

using testing::Git;
using testing::TempDir;

// A tree of `files` after 20 filler entries "f00".."f19" pointing at `filler` (big enough for
// a delta to pay off).
std::string TreeBody(const std::vector<std::pair<std::string, ObjectId>>& files,
                     const ObjectId& filler) {
  std::string body;
  for (int i = 0; i < 20; ++i) {
    body += std::string("100644 f") + (i < 10 ? "0" : "") + std::to_string(i) + '\0';
    body.append(reinterpret_cast<const char*>(filler.bytes.data()), 20);
  }
  for (const auto& [name, id] : files) {
    body += "100644 " + name + '\0';
    body.append(reinterpret_cast<const char*>(id.bytes.data()), 20);
  }
  return body;
}

class PackWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = dir_.Sub("repo.git");
    ASSERT_TRUE(CreateBareRepository(repo_, "main").ok());
    pack_dir_ = repo_ + "/objects/pack";
  }
  std::string VerifyPack(const std::string& name) {
    auto r = testing::Run({"git", "verify-pack", "-v", pack_dir_ + "/" + name + ".idx"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }
  TempDir dir_;
  std::string repo_;
  std::string pack_dir_;
};

TEST_F(PackWriterTest, WritesAPackGitReadsWithTreeDeltas) {
  PackWriter writer;
  ObjectId a = writer.Add(ObjectType::kBlob, "alpha\n");
  ObjectId b = writer.Add(ObjectType::kBlob, "beta\n");
  EXPECT_EQ(writer.Add(ObjectType::kBlob, "alpha\n"), a);  // added once
  ObjectId t1 = writer.AddTree(TreeBody({{"a", a}}, a), nullptr);
  ObjectId t2 = writer.AddTree(TreeBody({{"a", a}, {"b", b}}, a), &t1);
  EXPECT_EQ(writer.object_count(), 4u);
  auto info = writer.Write(pack_dir_);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->objects, 4u);
  std::string verify = VerifyPack(info->name);
  EXPECT_NE(verify.find("chain length = 1: 1 object"), std::string::npos) << verify;
  EXPECT_EQ(Git({"-C", repo_, "cat-file", "-p", a.Hex()}), "alpha");
  EXPECT_EQ(Git({"-C", repo_, "rev-parse", t2.Hex() + ":a"}), a.Hex());
  EXPECT_EQ(Git({"-C", repo_, "rev-parse", t2.Hex() + ":b"}), b.Hex());
}

TEST_F(PackWriterTest, MergeKeepsEachObjectOnceAndRepointsDeltas) {
  PackWriter first;
  ObjectId a = first.Add(ObjectType::kBlob, "alpha\n");
  ObjectId t1 = first.AddTree(TreeBody({{"a", a}}, a), nullptr);
  auto p1 = first.Write(pack_dir_);
  ASSERT_TRUE(p1.ok());
  // The second pack repeats a and t1, and deltifies t2 against its own copy of t1.
  PackWriter second;
  second.Add(ObjectType::kBlob, "alpha\n");
  ObjectId b = second.Add(ObjectType::kBlob, "beta\n");
  second.AddTree(TreeBody({{"a", a}}, a), nullptr);
  ObjectId t2 = second.AddTree(TreeBody({{"a", a}, {"b", b}, {"c", b}}, a), &t1);
  auto p2 = second.Write(pack_dir_);
  ASSERT_TRUE(p2.ok());

  auto merged = MergePacks(pack_dir_, {p1->name, p2->name});
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ(merged->objects, 4u);  // a, t1, b, t2
  RemovePack(pack_dir_, p1->name);
  RemovePack(pack_dir_, p2->name);
  EXPECT_FALSE(std::filesystem::exists(pack_dir_ + "/" + p1->name + ".pack"));
  std::string verify = VerifyPack(merged->name);
  EXPECT_NE(verify.find("chain length = 1: 1 object"), std::string::npos) << verify;
  EXPECT_EQ(Git({"-C", repo_, "rev-parse", t2.Hex() + ":c"}), b.Hex());
  EXPECT_EQ(Git({"-C", repo_, "cat-file", "-p", b.Hex()}), "beta");
}

TEST_F(PackWriterTest, MergeRefusesAPackThatIsNotThere) {
  auto merged = MergePacks(pack_dir_, {"pack-0000000000000000000000000000000000000000"});
  ASSERT_FALSE(merged.ok());
}

}  // namespace
}  // namespace gitops::git::internal
