// -m time (xt "time" rev 0, struct xt_time_info). Defaults: dates 0..INT32_MAX, daytime
// 0..86399, all monthdays (0xfffffffe), all weekdays (0xfe), flags 0 (UTC; --utc is a
// no-op, --kerneltz sets XT_TIME_LOCAL_TZ). "! --weekdays/--monthdays" store the complement.
// Quirks: weekday words are cut to 3 characters and must then equal "Mon".."Sun" or (2
// letters) "Mo".."Su", case-sensitively ("Monday" works, "tu" does not), or be a number n
// (bit n, so 8 is nothing); dates are YYYY[-MM[-DD[Thh[:mm[:ss]]]]] in UTC; -S always prints
// --datestop and prints both daytimes when either differs from the default; -L uses
// ordinals with a naive suffix (11st, 12nd, 13rd).
#include <linux/netfilter/xt_time.h>

#include <climits>
#include <cstdio>
#include <ctime>

#include "common/parse.h"
#include "ext/extension.h"
#include "ext/util.h"

namespace cx::ext {
namespace {

enum { kOptDateStart = 1, kOptDateStop, kOptTimeStart, kOptTimeStop, kOptMonthdays,
       kOptWeekdays, kOptKerneltz, kOptUtc, kOptContiguous };
constexpr OptionSpec kOptions[] = {
    {"datestart", ArgKind::Required, kOptDateStart},
    {"datestop", ArgKind::Required, kOptDateStop},
    {"timestart", ArgKind::Required, kOptTimeStart},
    {"timestop", ArgKind::Required, kOptTimeStop},
    {"monthdays", ArgKind::Required, kOptMonthdays},
    {"weekdays", ArgKind::Required, kOptWeekdays},
    {"kerneltz", ArgKind::None, kOptKerneltz},
    {"localtz", ArgKind::None, kOptKerneltz},
    {"utc", ArgKind::None, kOptUtc},
    {"contiguous", ArgKind::None, kOptContiguous},
};

constexpr const char* kDays3[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr const char* kDays2[] = {"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"};

Result<std::uint32_t> parse_daytime(std::string_view s) {
  auto bad = [&]() {
    return parameter_error("invalid time \"" + std::string(s) +
                           "\" specified, should be hh:mm[:ss] format and within the boundaries");
  };
  auto parts = split(s, ':');
  if (parts.size() < 2 || parts.size() > 3) return bad();
  std::uint64_t v[3] = {0, 0, 0};
  const std::uint64_t max[3] = {23, 59, 59};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto n = parse_unsigned(parts[i], max[i], 10);
    if (!n) return bad();
    v[i] = *n;
  }
  return static_cast<std::uint32_t>(v[0] * 3600 + v[1] * 60 + v[2]);
}

Result<std::uint32_t> parse_date(std::string_view s) {
  auto bad = [&]() {
    return parameter_error("Invalid date \"" + std::string(s) +
                           "\" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]");
  };
  std::string str(s);
  int year = 0, mon = 1, day = 1, hour = 0, min = 0, sec = 0;
  const char* p = str.c_str();
  char* end = nullptr;
  auto num = [&](int& out, long lo, long hi) {
    if (!std::isdigit(static_cast<unsigned char>(*p))) return false;
    long v = std::strtol(p, &end, 10);
    if (v < lo || v > hi) return false;
    out = static_cast<int>(v);
    p = end;
    return true;
  };
  if (!num(year, 1970, 2038)) return bad();
  if (*p == '-') {
    ++p;
    if (!num(mon, 1, 12)) return bad();
    if (*p == '-') {
      ++p;
      if (!num(day, 1, 31)) return bad();
      if (*p == 'T') {
        ++p;
        if (!num(hour, 0, 23)) return bad();
        if (*p == ':') {
          ++p;
          if (!num(min, 0, 59)) return bad();
          if (*p == ':') {
            ++p;
            if (!num(sec, 0, 59)) return bad();
          }
        }
      }
    }
  }
  if (*p != '\0') return bad();
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  time_t t = timegm(&tm);
  if (t < 0) return bad();
  return static_cast<std::uint32_t>(t);
}

std::string hms(std::uint32_t s) {
  char b[40];
  std::snprintf(b, sizeof(b), "%02u:%02u:%02u", s / 3600, (s % 3600) / 60, s % 60);
  return b;
}

std::string date_text(std::uint32_t t, char sep) {
  time_t tt = static_cast<time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char b[80];
  std::snprintf(b, sizeof(b), "%04d-%02d-%02d%c%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, sep, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return b;
}

std::string opt_name(int id) {
  for (const auto& o : kOptions)
    if (o.id == id) return "--" + std::string(o.name);
  return "";
}

class TimeMatch final : public Match {
 public:
  xt_time_info info{};
  unsigned seen = 0;

  TimeMatch() {
    info.date_start = 0;
    info.date_stop = INT_MAX;
    info.daytime_start = XT_TIME_MIN_DAYTIME;
    info.daytime_stop = XT_TIME_MAX_DAYTIME;
    info.monthdays_match = XT_TIME_ALL_MONTHDAYS;
    info.weekdays_match = XT_TIME_ALL_WEEKDAYS;
  }
  std::string_view name() const override { return "time"; }
  std::unique_ptr<Match> clone() const override { return std::make_unique<TimeMatch>(*this); }

  Status parse(int id, const OptionArg& arg, const RuleContext&) override {
    bool invertible = id == kOptMonthdays || id == kOptWeekdays;
    if (seen & (1u << id)) return only_once("time", opt_name(id));
    if (arg.invert && !invertible) return cannot_invert("time", opt_name(id));
    seen |= 1u << id;
    switch (id) {
      case kOptDateStart:
      case kOptDateStop: {
        auto t = parse_date(arg.value);
        if (!t) return t.take_error();
        (id == kOptDateStart ? info.date_start : info.date_stop) = *t;
        break;
      }
      case kOptTimeStart:
      case kOptTimeStop: {
        auto t = parse_daytime(arg.value);
        if (!t) return t.take_error();
        (id == kOptTimeStart ? info.daytime_start : info.daytime_stop) = *t;
        break;
      }
      case kOptMonthdays: {
        std::uint32_t mask = 0;
        for (const std::string& w : split(arg.value, ',')) {
          auto d = parse_unsigned(w, 31, 10);
          if (!d || *d == 0) return parameter_error(w + " is not a valid day for --monthdays");
          mask |= 1u << *d;
        }
        if (arg.invert) mask = ~mask & XT_TIME_ALL_MONTHDAYS;
        info.monthdays_match = mask;
        break;
      }
      case kOptWeekdays: {
        std::uint32_t mask = 0;
        for (const std::string& w : split(arg.value, ',')) {
          if (auto n = parse_unsigned(w, 64, 10)) {
            mask |= *n < 32 ? (1u << *n) : 0;
            continue;
          }
          std::string head = w.substr(0, 3);
          int day = -1;
          for (int i = 0; i < 7; ++i)
            if ((head.size() == 3 && head == kDays3[i]) || (head.size() == 2 && head == kDays2[i]))
              day = i + 1;
          if (day < 0) return parameter_error(head + " is not a valid day specifier");
          mask |= 1u << day;
        }
        if (arg.invert) mask = ~mask & XT_TIME_ALL_WEEKDAYS;
        info.weekdays_match = static_cast<std::uint8_t>(mask);
        break;
      }
      case kOptKerneltz: info.flags |= XT_TIME_LOCAL_TZ; break;
      case kOptUtc: info.flags &= static_cast<std::uint8_t>(~XT_TIME_LOCAL_TZ); break;
      case kOptContiguous: info.flags |= XT_TIME_CONTIGUOUS; break;
    }
    return {};
  }

  Status final_check(const RuleContext&) override {
    if ((info.flags & XT_TIME_CONTIGUOUS) && info.daytime_start < info.daytime_stop)
      return parameter_error(
          "time: --contiguous only makes sense when stoptime is smaller than starttime");
    return {};
  }

  std::string weekdays_text() const {
    std::string s;
    for (int i = 1; i <= 7; ++i)
      if (info.weekdays_match & (1u << i)) {
        if (!s.empty()) s += ",";
        s += kDays3[i - 1];
      }
    return s;
  }
  std::string monthdays_text(bool ordinal) const {
    std::string s;
    for (int i = 1; i <= 31; ++i)
      if (info.monthdays_match & (1u << i)) {
        if (!s.empty()) s += ",";
        s += std::to_string(i);
        if (ordinal) {
          switch (i % 10) {
            case 1: s += "st"; break;
            case 2: s += "nd"; break;
            case 3: s += "rd"; break;
            default: s += "th"; break;
          }
        }
      }
    return s;
  }
  bool daytime_set() const {
    return info.daytime_start != XT_TIME_MIN_DAYTIME || info.daytime_stop != XT_TIME_MAX_DAYTIME;
  }

  void save(std::string& out, const SaveContext&) const override {
    if (daytime_set())
      out += " --timestart " + hms(info.daytime_start) + " --timestop " + hms(info.daytime_stop);
    if (info.monthdays_match != XT_TIME_ALL_MONTHDAYS)
      out += " --monthdays " + monthdays_text(false);
    if (info.weekdays_match != XT_TIME_ALL_WEEKDAYS) out += " --weekdays " + weekdays_text();
    if (info.date_start != 0) out += " --datestart " + date_text(info.date_start, 'T');
    out += " --datestop " + date_text(info.date_stop, 'T');
    if (info.flags & XT_TIME_LOCAL_TZ) out += " --kerneltz";
    if (info.flags & XT_TIME_CONTIGUOUS) out += " --contiguous";
  }
  void list(std::string& out, bool, const SaveContext&) const override {
    out += " TIME";
    if (daytime_set()) out += " from " + hms(info.daytime_start) + " to " + hms(info.daytime_stop);
    if (info.weekdays_match != XT_TIME_ALL_WEEKDAYS) out += " on " + weekdays_text();
    if (info.monthdays_match != XT_TIME_ALL_MONTHDAYS) out += " on " + monthdays_text(true);
    if (info.date_start != 0) out += " starting from " + date_text(info.date_start, ' ');
    if (info.date_stop != INT_MAX) out += " until date " + date_text(info.date_stop, ' ');
    if (!(info.flags & XT_TIME_LOCAL_TZ)) out += " UTC";
    if (info.flags & XT_TIME_CONTIGUOUS) out += " contiguous";
  }
  // nft has no month days. The hour starts with a space of its own, so it follows the rule's
  // trailing blank with two (as libxt_time words it).
  bool xlate(Xlate& xl, const XlateContext&) const override {
    auto date = [](std::uint32_t secs) {
      const std::time_t t = static_cast<std::time_t>(secs);
      std::tm tm{};
      gmtime_r(&t, &tm);
      char b[64];
      std::snprintf(b, sizeof(b), "\"%04u-%02u-%02u %02u:%02u:%02u\"",
                    static_cast<unsigned>(tm.tm_year + 1900), static_cast<unsigned>(tm.tm_mon + 1),
                    static_cast<unsigned>(tm.tm_mday), static_cast<unsigned>(tm.tm_hour),
                    static_cast<unsigned>(tm.tm_min), static_cast<unsigned>(tm.tm_sec));
      return std::string(b);
    };
    auto hour = [](std::uint32_t t) {
      char b[32];
      std::snprintf(b, sizeof(b), "\"%02u:%02u:%02u\"", t / 3600, t / 60 % 60, t % 60);
      return std::string(b);
    };
    if (info.date_start != 0 || info.date_stop != INT_MAX) {
      xl.add("meta time ");
      xl.add(date(info.date_start));
      xl.add("-" + date(info.date_stop));
    }
    if (daytime_set()) {
      xl.add(" meta hour " + hour(info.daytime_start));
      xl.add("-" + hour(info.daytime_stop));
    }
    if (info.monthdays_match != XT_TIME_ALL_MONTHDAYS) return false;
    if (info.weekdays_match != XT_TIME_ALL_WEEKDAYS) {
      const unsigned mask = info.weekdays_match;
      const int count = __builtin_popcount(mask);
      xl.add(" meta day ");
      if (count > 1) xl.add("{");
      const char* sep = "";
      for (unsigned d = 1; d <= 7; ++d)
        if (mask & (1u << d)) {
          xl.addf("%s%u", sep, d % 7);
          sep = ", ";
        }
      if (count > 1) xl.add("}");
    }
    return true;
  }
  Status encode(std::vector<nft::Expr>& out, const RuleContext&) const override {
    out.push_back(nft::Expr::match("time", 0, xt_blob(info)));
    return {};
  }
};

std::unique_ptr<Match> create(Family) { return std::make_unique<TimeMatch>(); }
std::unique_ptr<Match> decode_compat(const DecodeContext&, const nft::Bytes& blob) {
  auto m = std::make_unique<TimeMatch>();
  if (!xt_read(blob, m->info)) return nullptr;
  return m;
}

}  // namespace

constexpr std::string_view kTimeMatchHelp = R"HELP(
time match options:
    --datestart time     Start and stop time, to be given in ISO 8601
    --datestop time      (YYYY[-MM[-DD[Thh[:mm[:ss]]]]])
    --timestart time     Start and stop daytime (hh:mm[:ss])
    --timestop time      (between 00:00:00 and 23:59:59)
[!] --monthdays value    List of days on which to match, separated by comma
                         (Possible days: 1 to 31; defaults to all)
[!] --weekdays value     List of weekdays on which to match, sep. by comma
                         (Possible days: Mon,Tue,Wed,Thu,Fri,Sat,Sun or 1 to 7
                         Defaults to all weekdays.)
    --kerneltz           Work with the kernel timezone instead of UTC
)HELP";

extern const MatchType kTimeMatch = {"time", kBoth,         kOptions, create,        "time",
                                     0,      decode_compat, nullptr,  kTimeMatchHelp};

}  // namespace cx::ext
