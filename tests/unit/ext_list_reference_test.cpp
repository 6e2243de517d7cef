// -L text of many extensions as the reference printed it (tests/unit/ext_list_reference.tsv:
// rule, numeric flag, the text after the destination column), against list().
#include <gtest/gtest.h>

#include <fstream>

#include "golden_util.h"

namespace cx::test {
namespace {

TEST(ExtListReference, MatchesReference) {
  std::ifstream in(std::string(CX_SOURCE_DIR) + "/tests/unit/ext_list_reference.tsv");
  ASSERT_TRUE(in) << "missing ext_list_reference.tsv";
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
    ASSERT_NE(t2, std::string::npos) << line;
    std::string cmd = line.substr(0, t1);
    bool numeric = line.substr(t1 + 1, t2 - t1 - 1) == "1";
    std::string want = line.substr(t2 + 1);
    EXPECT_EQ(list_of(cmd, numeric), want) << cmd << (numeric ? " (-n)" : "");
    ++n;
  }
  EXPECT_GT(n, 100);
}

}  // namespace
}  // namespace cx::test
