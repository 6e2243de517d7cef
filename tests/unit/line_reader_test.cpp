// restore::LineReader hands a restore its input line by line and goes back to a table's first
// line when the kernel's ruleset changed before COMMIT: from a string, from a file by seeking,
// from a pipe by replaying the lines it kept since the mark.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "restore/restore.h"

namespace cx::restore {
namespace {

std::vector<std::string> read_all(LineReader& r) {
  std::vector<std::string> out;
  std::string line;
  while (r.next(line)) out.push_back(line);
  return out;
}

// Lines long enough that some cross the reader's 64 KiB reads.
std::string sample_text() {
  std::string text = "# head\n*filter\n";
  for (int i = 0; i < 3000; ++i)
    text += "-A INPUT -m comment --comment " + std::string(static_cast<std::size_t>(i % 97), 'x') +
            " -j ACCEPT\n";
  text += std::string(70000, 'y') + "\n\nCOMMIT\nlast line without newline";
  return text;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

// Reads up to the "*filter" line, marks it, reads on to COMMIT, rewinds, and reads all that
// follows: the table's lines come twice, then the rest once.
std::vector<std::string> read_with_restart(LineReader& r) {
  std::vector<std::string> out;
  std::string line;
  bool restarted = false;
  while (r.next(line)) {
    out.push_back(line);
    if (line == "*filter") r.mark();
    if (line == "COMMIT" && !restarted) {
      restarted = true;
      r.rewind();
    }
  }
  return out;
}

std::vector<std::string> expected_with_restart(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  std::size_t start = 0, commit = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] == "*filter") start = i;
    if (lines[i] == "COMMIT") commit = i;
  }
  out.assign(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(commit) + 1);
  out.insert(out.end(), lines.begin() + static_cast<std::ptrdiff_t>(start), lines.end());
  return out;
}

TEST(LineReader, FromString) {
  const std::string text = sample_text();
  LineReader r(text);
  EXPECT_EQ(read_all(r), split(text));
  LineReader again(text);
  EXPECT_EQ(read_with_restart(again), expected_with_restart(split(text)));
}

TEST(LineReader, FromFileSeeksBack) {
  const std::string text = sample_text();
  FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(text.data(), 1, text.size(), f), text.size());
  std::fflush(f);
  ASSERT_EQ(lseek(fileno(f), 0, SEEK_SET), 0);
  LineReader r(fileno(f));
  EXPECT_EQ(read_with_restart(r), expected_with_restart(split(text)));
  // A file the caller already read from is read from where it stands.
  ASSERT_EQ(lseek(fileno(f), 7, SEEK_SET), 7);
  LineReader rest(fileno(f));
  EXPECT_EQ(read_with_restart(rest), expected_with_restart(split(text.substr(7))));
  std::fclose(f);
}

TEST(LineReader, FromPipeReplaysTheTable) {
  const std::string text = sample_text();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::thread writer([&] {
    std::size_t off = 0;
    while (off < text.size()) {
      ssize_t n = write(fds[1], text.data() + off, std::min<std::size_t>(4096, text.size() - off));
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    close(fds[1]);
  });
  LineReader r(fds[0]);
  auto got = read_with_restart(r);
  writer.join();
  close(fds[0]);
  EXPECT_EQ(got, expected_with_restart(split(text)));
}

TEST(LineReader, EmptyAndNewlineOnly) {
  LineReader empty(std::string{});
  EXPECT_TRUE(read_all(empty).empty());
  LineReader one(std::string("\n"));
  EXPECT_EQ(read_all(one), std::vector<std::string>{""});
}

}  // namespace
}  // namespace cx::restore
