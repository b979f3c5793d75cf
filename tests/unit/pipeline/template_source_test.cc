// Tests of TemplateSource over a directory and over a Git template repository.
#include "pipeline/template_source.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "git_test_util.h"

namespace gitops::pipeline {
namespace {

using git::testing::TempDir;
using Json = jinja::Json;

void WriteFile(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << content;
}

TEST(TemplateSourceTest, DirectoryTemplatesRender) {
  TempDir dir;
  WriteFile(dir.Sub("ns/small.yaml.j2"), "name: {{ name }}\n");
  auto source = TemplateSource::Create(DirectoryLoaderFactory(dir.path()));
  ASSERT_TRUE(source.ok()) << source.error().message;
  auto compiled = (*source)->Get("ns/small.yaml.j2", false);
  ASSERT_TRUE(compiled.ok()) << compiled.error().message;
  auto text = compiled->tmpl->Render(Json{{"name", "web"}});
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "name: web");
}

TEST(TemplateSourceTest, MissingTemplateIsNotFound) {
  TempDir dir;
  auto source = TemplateSource::Create(DirectoryLoaderFactory(dir.path()));
  ASSERT_TRUE(source.ok());
  auto compiled = (*source)->Get("ns/none.yaml.j2", false);
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.error().code, ErrorCode::kNotFound);
}

TEST(TemplateSourceTest, StrictnessIsPerEnvironment) {
  TempDir dir;
  WriteFile(dir.Sub("t.j2"), "x={{ missing }}");
  auto source = TemplateSource::Create(DirectoryLoaderFactory(dir.path()));
  ASSERT_TRUE(source.ok());
  auto lenient = (*source)->Get("t.j2", false);
  auto strict = (*source)->Get("t.j2", true);
  ASSERT_TRUE(lenient.ok() && strict.ok());
  EXPECT_TRUE(lenient->environment->options().strict_undefined == false);
  auto lenient_text = lenient->tmpl->Render(Json::object());
  ASSERT_TRUE(lenient_text.ok()) << lenient_text.error().message;
  EXPECT_EQ(*lenient_text, "x=");
  EXPECT_FALSE(strict->tmpl->Render(Json::object()).ok());
}

TEST(TemplateSourceTest, CompiledTemplatesAreCachedUntilRefresh) {
  TempDir dir;
  WriteFile(dir.Sub("t.j2"), "one");
  auto source = TemplateSource::Create(DirectoryLoaderFactory(dir.path()));
  ASSERT_TRUE(source.ok());
  auto first = (*source)->Get("t.j2", false);
  ASSERT_TRUE(first.ok());
  WriteFile(dir.Sub("t.j2"), "two");
  auto cached = (*source)->Get("t.j2", false);
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached->tmpl.get(), first->tmpl.get());
  ASSERT_TRUE((*source)->Refresh().ok());
  auto fresh = (*source)->Get("t.j2", false);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(*fresh->tmpl->Render(Json::object()), "two");
  EXPECT_EQ(*first->tmpl->Render(Json::object()), "one");  // old environment still alive
}

TEST(TemplateSourceTest, GitTemplateRepositoryIsFetchedAndRefreshed) {
  TempDir dir;
  std::string remote = dir.Sub("templates.git");
  std::string scratch = dir.Sub("first");
  WriteFile(scratch + "/ns/small.yaml.j2", "v1 {{ name }}");
  git::testing::Git({"init", "-q", "-b", "main", scratch});
  git::testing::Git({"-C", scratch, "add", "."});
  git::testing::Git({"-C", scratch, "commit", "-q", "-m", "templates"});
  git::testing::Git({"clone", "-q", "--bare", scratch, remote});
  git::RepositoryOptions options;
  options.cache_dir = dir.Sub("cache/templates.git");
  options.remote_url = remote;
  auto source = TemplateSource::Create(GitLoaderFactory(options));
  ASSERT_TRUE(source.ok()) << source.error().message;
  auto compiled = (*source)->Get("ns/small.yaml.j2", false);
  ASSERT_TRUE(compiled.ok()) << compiled.error().message;
  EXPECT_EQ(*compiled->tmpl->Render(Json{{"name", "a"}}), "v1 a");

  git::testing::CommitOutOfBand(remote, "main", dir.Sub("scratch"), "ns/small.yaml.j2",
                                "v2 {{ name }}");
  ASSERT_TRUE((*source)->Refresh().ok());
  auto refreshed = (*source)->Get("ns/small.yaml.j2", false);
  ASSERT_TRUE(refreshed.ok());
  EXPECT_EQ(*refreshed->tmpl->Render(Json{{"name", "a"}}), "v2 a");
}

TEST(TemplateSourceTest, ConfigWithoutTemplateRepoUsesTheDirectory) {
  TempDir dir;
  WriteFile(dir.Sub("bundled/t.j2"), "bundled");
  config::Config config;
  config.data_dir = dir.Sub("data");
  config.template_dir = dir.Sub("bundled");
  auto source = TemplateSource::Create(LoaderFactoryFromConfig(config));
  ASSERT_TRUE(source.ok()) << source.error().message;
  auto compiled = (*source)->Get("t.j2", false);
  ASSERT_TRUE(compiled.ok());
  EXPECT_EQ(*compiled->tmpl->Render(Json::object()), "bundled");
}

TEST(TemplateSourceTest, ConfigWithTemplateRepoFetchesIt) {
  TempDir dir;
  std::string scratch = dir.Sub("first");
  WriteFile(scratch + "/t.j2", "from git");
  git::testing::Git({"init", "-q", "-b", "release", scratch});
  git::testing::Git({"-C", scratch, "add", "."});
  git::testing::Git({"-C", scratch, "commit", "-q", "-m", "templates"});
  git::testing::Git({"clone", "-q", "--bare", scratch, dir.Sub("templates.git")});
  WriteFile(dir.Sub("bundled/t.j2"), "bundled");
  config::Config config;
  config.data_dir = dir.Sub("data");
  config.template_dir = dir.Sub("bundled");
  config.template_repo_url = dir.Sub("templates.git");
  config.template_repo_branch = "release";
  auto source = TemplateSource::Create(LoaderFactoryFromConfig(config));
  ASSERT_TRUE(source.ok()) << source.error().message;
  auto compiled = (*source)->Get("t.j2", false);
  ASSERT_TRUE(compiled.ok());
  EXPECT_EQ(*compiled->tmpl->Render(Json::object()), "from git");
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("data/cache/templates.git")));
}

TEST(TemplateSourceTest, UnreachableTemplateRepositoryFailsCreate) {
  TempDir dir;
  git::RepositoryOptions options;
  options.cache_dir = dir.Sub("cache/templates.git");
  options.remote_url = dir.Sub("nothing-here.git");
  EXPECT_FALSE(TemplateSource::Create(GitLoaderFactory(options)).ok());
}

}  // namespace
}  // namespace gitops::pipeline
