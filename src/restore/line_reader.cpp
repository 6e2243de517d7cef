#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "restore/restore.h"

namespace cx::restore {

namespace {
constexpr std::size_t kReadSize = 64 * 1024;
}

LineReader::LineReader(std::string text) : seekable_(true), buf_(std::move(text)), eof_(true) {}

LineReader::LineReader(int fd) : fd_(fd) {
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    off_t at = lseek(fd, 0, SEEK_CUR);
    if (at >= 0) {
      seekable_ = true;
      buf_offset_ = static_cast<std::uint64_t>(at);
    }
  }
}

bool LineReader::fill() {
  if (eof_ || fd_ < 0) return false;
  // What was returned already is dropped first, so the buffer holds about one read.
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    buf_offset_ += pos_;
    pos_ = 0;
  }
  const std::size_t old = buf_.size();
  buf_.resize(old + kReadSize);
  ssize_t n;
  do {
    n = read(fd_, buf_.data() + old, kReadSize);
  } while (n < 0 && errno == EINTR);
  buf_.resize(old + (n > 0 ? static_cast<std::size_t>(n) : 0));
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  return true;
}

bool LineReader::next(std::string& line) {
  if (replay_pos_ < replay_.size()) {
    std::size_t nl = replay_.find('\n', replay_pos_);
    line.assign(replay_, replay_pos_, nl - replay_pos_);
    replay_pos_ = nl + 1;
    newline_ = true;
  } else {
    std::size_t from = pos_;
    std::size_t nl;
    while ((nl = buf_.find('\n', from)) == std::string::npos) {
      const std::size_t scanned = buf_.size() - pos_;  // fill() moves it to the front
      if (!fill()) break;
      from = pos_ + scanned;
    }
    if (nl == std::string::npos) {
      if (pos_ >= buf_.size()) return false;
      nl = buf_.size();
    }
    last_line_ = buf_offset_ + pos_;
    line.assign(buf_, pos_, nl - pos_);
    newline_ = nl < buf_.size();
    pos_ = nl < buf_.size() ? nl + 1 : nl;
  }
  if (!seekable_) {
    kept_last_ = kept_.size();
    kept_.append(line).push_back('\n');
  }
  return true;
}

void LineReader::mark() {
  if (seekable_) {
    mark_ = last_line_;
  } else {
    kept_.erase(0, kept_last_);
    kept_last_ = 0;
  }
}

void LineReader::rewind() {
  if (!seekable_) {
    replay_ = std::move(kept_);
    replay_pos_ = 0;
    kept_.clear();
    kept_last_ = 0;
    return;
  }
  // Still in the buffer (always so for text given whole): no need to read it again.
  if (mark_ >= buf_offset_ && mark_ - buf_offset_ <= buf_.size()) {
    pos_ = static_cast<std::size_t>(mark_ - buf_offset_);
    return;
  }
  if (lseek(fd_, static_cast<off_t>(mark_), SEEK_SET) < 0) return;
  buf_.clear();
  pos_ = 0;
  buf_offset_ = mark_;
  eof_ = false;
}

}  // namespace cx::restore
