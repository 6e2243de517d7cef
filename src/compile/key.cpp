// Reading a rule's key fields (see key.h).
#include "compile/key.h"

#include <algorithm>
#include <iterator>

#include "common/parse.h"
#include "eval/packet.h"
#include "ext/extension.h"

namespace cx::compile {
namespace {

constexpr std::size_t kIfNameSize = 16;  // IFNAMSIZ

Bytes be16(std::uint16_t v) {
  return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

bool fail(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return false;
}

bool disjoint(const std::vector<Interval>& v) {
  for (std::size_t a = 0; a < v.size(); ++a)
    for (std::size_t b = 0; b < a; ++b)
      if (v[a].overlaps(v[b])) return false;
  return true;
}

// -s / -d: only contiguous masks are intervals.
std::optional<Interval> address_interval(const model::Address& a, Family family) {
  const int bytes = addr_len(family);
  if (a.prefix_len(bytes) < 0) return std::nullopt;
  Interval i{Bytes(bytes), Bytes(bytes)};
  for (int k = 0; k < bytes; ++k) {
    i.lo[k] = a.addr[k] & a.mask[k];
    i.hi[k] = static_cast<std::uint8_t>(a.addr[k] | ~a.mask[k]);
  }
  return i;
}

// "eth0": the zero-padded name; "eth+" (and "+", ""): every name starting with "eth".
std::optional<Interval> iface_interval(const std::string& name) {
  bool wildcard = name.empty() || name.back() == '+';
  std::string_view stem(name.data(), wildcard && !name.empty() ? name.size() - 1 : name.size());
  if (stem.size() >= kIfNameSize || stem.find('\0') != std::string_view::npos) return std::nullopt;
  Interval i{Bytes(kIfNameSize, 0), Bytes(kIfNameSize, wildcard ? 0xff : 0)};
  std::copy(stem.begin(), stem.end(), i.lo.begin());
  std::copy(stem.begin(), stem.end(), i.hi.begin());
  return i;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  for (std::string& w : split(text, ' '))
    if (!w.empty()) out.push_back(std::move(w));
  return out;
}

// "22" or "1000:2000" as the save forms print them.
std::optional<Interval> port_interval(std::string_view s) {
  auto colon = s.find(':');
  auto lo = parse_unsigned(s.substr(0, colon), 65535, 10);
  auto hi = colon == std::string_view::npos ? lo : parse_unsigned(s.substr(colon + 1), 65535, 10);
  if (!lo || !hi || *lo > *hi) return std::nullopt;
  return Interval{be16(static_cast<std::uint16_t>(*lo)), be16(static_cast<std::uint16_t>(*hi))};
}

std::optional<Interval> range_interval(std::string_view s, Family family) {
  auto dash = s.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto lo = eval::parse_addr(s.substr(0, dash), family);
  auto hi = eval::parse_addr(s.substr(dash + 1), family);
  if (!lo || !hi) return std::nullopt;
  const int bytes = addr_len(family);
  Interval i{Bytes(lo->begin(), lo->begin() + bytes), Bytes(hi->begin(), hi->begin() + bytes)};
  if (i.hi < i.lo) return std::nullopt;
  return i;
}

template <std::size_t N>
bool listed(std::string_view name, const std::string_view (&names)[N]) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

// Whole matches a run's rules may share besides their keys: they only read the packet or its
// connection, and are not key fields themselves.
bool is_residual(std::string_view name) {
  static constexpr std::string_view kShared[] = {
      "conntrack", "state",    "mark", "connmark", "pkttype", "addrtype", "length",
      "tos",       "dscp",     "ecn",  "ttl",      "hl",      "helper",   "physdev",
      "owner",     "devgroup", "mac",  "icmp",     "icmp6"};
  return listed(name, kShared);
}

bool is_port_proto(std::uint8_t p) { return p == 6 || p == 17 || p == 136 || p == 132 || p == 33; }

// Collects the fields of one rule; a field constrained twice ends the attempt.
class KeyBuilder {
 public:
  KeyBuilder(const model::Rule& rule, Family family, std::string* why)
      : rule_(rule), family_(family), why_(why) {}

  std::optional<RuleKey> build();

 private:
  bool set(Field f, std::vector<Interval> values);
  bool header();
  bool match(const ext::Match& m);
  bool ports(const std::vector<std::string>& w, std::uint8_t proto);
  bool multiport(const std::vector<std::string>& w);
  bool iprange(const std::vector<std::string>& w);
  bool comment(const ext::Match& m);

  const model::Rule& rule_;
  Family family_;
  std::string* why_;
  RuleKey key_;
};

bool KeyBuilder::set(Field f, std::vector<Interval> values) {
  if (key_.shape.has(f)) return fail(why_, std::string(field_name(f)) + " tested twice");
  if (values.empty()) return fail(why_, std::string(field_name(f)) + " matches nothing");
  // Overlapping items of one list would be overlapping elements, and merging them would lose
  // the list as written: such a rule stays as it is.
  if (!disjoint(values)) return fail(why_, std::string(field_name(f)) + " items overlap");
  key_.shape.add(f);
  key_.values[static_cast<std::size_t>(f)] = std::move(values);
  return true;
}

bool KeyBuilder::header() {
  const model::IpHeader& ip = rule_.ip;
  if (ip.inv_src || ip.inv_dst || ip.inv_in || ip.inv_out || ip.inv_proto)
    return fail(why_, "inverted -s/-d/-i/-o/-p");
  if (ip.frag || ip.inv_frag) return fail(why_, "-f");
  auto addr = [&](Field f, const std::optional<model::Address>& a) {
    if (!a) return true;
    auto i = address_interval(*a, family_);
    return i ? set(f, {*i}) : fail(why_, "address mask is not a prefix");
  };
  auto iface = [&](Field f, bool has, const std::string& name) {
    if (!has) return true;
    auto i = iface_interval(name);
    return i ? set(f, {*i}) : fail(why_, "interface name too long");
  };
  if (!addr(Field::Src, ip.src) || !addr(Field::Dst, ip.dst)) return false;
  if (!iface(Field::InIface, ip.has_iniface, ip.iniface)) return false;
  if (!iface(Field::OutIface, ip.has_outiface, ip.outiface)) return false;
  if (ip.proto != 0 && !set(Field::Proto, {Interval{{ip.proto}, {ip.proto}}})) return false;
  key_.spelling = "hdr:";
  for (Field f : key_.shape.fields()) key_.spelling += std::string(field_name(f)) + ",";
  return true;
}

// tcp / udp: " --sport A[:B] --dport C[:D]", nothing else; the rule's -p must be the match's
// protocol. A match that saves nothing still excludes fragments: not key-shaped.
bool KeyBuilder::ports(const std::vector<std::string>& w, std::uint8_t proto) {
  if (rule_.ip.proto != proto) return fail(why_, "port match without its -p");
  if (w.empty() || w.size() % 2) return fail(why_, "tcp/udp match without ports");
  for (std::size_t k = 0; k < w.size(); k += 2) {
    auto i = port_interval(w[k + 1]);
    if (!i || (w[k] != "--sport" && w[k] != "--dport"))
      return fail(why_, "tcp/udp option other than --sport/--dport");
    if (!set(w[k] == "--sport" ? Field::Sport : Field::Dport, {*i})) return false;
  }
  return true;
}

// " --sports a,b:c" / " --dports ...": each item an element; "--ports" and "!" are not keys.
bool KeyBuilder::multiport(const std::vector<std::string>& w) {
  if (!is_port_proto(rule_.ip.proto)) return fail(why_, "multiport without a port protocol");
  if (w.size() != 2 || (w[0] != "--sports" && w[0] != "--dports"))
    return fail(why_, "multiport --ports or inverted");
  std::vector<Interval> values;
  for (const std::string& item : split(w[1], ',')) {
    auto i = port_interval(item);
    if (!i) return fail(why_, "multiport item not a port");
    values.push_back(*i);
  }
  return set(w[0] == "--sports" ? Field::Sport : Field::Dport, std::move(values));
}

bool KeyBuilder::iprange(const std::vector<std::string>& w) {
  if (w.empty() || w.size() % 2) return fail(why_, "inverted iprange");
  for (std::size_t k = 0; k < w.size(); k += 2) {
    auto i = range_interval(w[k + 1], family_);
    if (!i || (w[k] != "--src-range" && w[k] != "--dst-range"))
      return fail(why_, "iprange option not a plain range");
    if (!set(w[k] == "--src-range" ? Field::Src : Field::Dst, {*i})) return false;
  }
  return true;
}

// The -L form is " /* TEXT */" with TEXT as given: the one view that needs no unquoting.
// One comment per rule, short enough to share an element's userdata with its bookkeeping.
bool KeyBuilder::comment(const ext::Match& m) {
  if (!key_.comment.empty()) return fail(why_, "two comments");
  std::string text;
  m.list(text, true, ext::SaveContext{family_, &rule_.ip});
  constexpr std::string_view kOpen = " /* ", kClose = " */";
  if (text.size() < kOpen.size() + kClose.size() || !text.starts_with(kOpen) ||
      !text.ends_with(kClose))
    return fail(why_, "comment not readable");
  key_.comment = text.substr(kOpen.size(), text.size() - kOpen.size() - kClose.size());
  if (key_.comment.empty() || key_.comment.size() > kMaxCommentBytes)
    return fail(why_, "comment size");
  key_.spelling += "|comment";
  return true;
}

bool KeyBuilder::match(const ext::Match& m) {
  const std::string_view name = m.name();
  if (name == "comment") return comment(m);
  std::string saved;
  m.save(saved, ext::SaveContext{family_, &rule_.ip});
  if (is_residual(name)) {
    key_.residual += " -m " + std::string(name) + saved;
    key_.spelling += "|" + std::string(name) + "=" + saved;
    return true;
  }
  const std::vector<std::string> w = words(saved);
  if (std::find(w.begin(), w.end(), "!") != w.end()) return fail(why_, "inverted " + saved);
  key_.spelling += "|" + std::string(name) + ":";
  for (std::size_t k = 0; k < w.size(); k += 2) key_.spelling += w[k];
  if (name == "tcp") return ports(w, 6);
  if (name == "udp") return ports(w, 17);
  if (name == "multiport") return multiport(w);
  if (name == "iprange") return iprange(w);
  return fail(why_, "-m " + std::string(name) + " is not a key field");
}

std::optional<RuleKey> KeyBuilder::build() {
  if (rule_.incompatible) {
    fail(why_, "rule not lifted exactly");
    return std::nullopt;
  }
  if (!header()) return std::nullopt;
  for (const auto& m : rule_.matches)
    if (!match(*m)) return std::nullopt;
  // -m icmp needs its -p: then the run's rules share their protocol too (other shared tests
  // must not carry the first rule's -p: the protocol is a key field, it varies in a run).
  if (key_.residual.find(" -m icmp") != std::string::npos) {
    key_.residual = " -p " + std::to_string(rule_.ip.proto) + key_.residual;
    key_.spelling += "|p=" + std::to_string(rule_.ip.proto);
  }
  if (key_.shape.empty()) {
    fail(why_, "no key field");
    return std::nullopt;
  }
  return std::move(key_);
}

}  // namespace

std::string_view field_name(Field f) {
  switch (f) {
    case Field::InIface:
      return "iifname";
    case Field::OutIface:
      return "oifname";
    case Field::Proto:
      return "l4proto";
    case Field::Src:
      return "saddr";
    case Field::Dst:
      return "daddr";
    case Field::Sport:
      return "sport";
    case Field::Dport:
      return "dport";
  }
  return "?";
}

std::size_t field_width(Field f, Family family) {
  switch (f) {
    case Field::InIface:
    case Field::OutIface:
      return kIfNameSize;
    case Field::Proto:
      return 1;
    case Field::Src:
    case Field::Dst:
      return static_cast<std::size_t>(addr_len(family));
    case Field::Sport:
    case Field::Dport:
      return 2;
  }
  return 0;
}

std::vector<Field> Shape::fields() const {
  std::vector<Field> out;
  for (Field f : kFields)
    if (has(f)) out.push_back(f);
  return out;
}

bool key_contains(const Key& key, const std::vector<Bytes>& values) {
  if (key.size() != values.size()) return false;
  for (std::size_t k = 0; k < key.size(); ++k)
    if (!key[k].contains(values[k])) return false;
  return true;
}

bool keys_overlap(const Key& a, const Key& b) {
  for (std::size_t k = 0; k < a.size() && k < b.size(); ++k)
    if (!a[k].overlaps(b[k])) return false;
  return true;
}

std::size_t RuleKey::element_count() const {
  std::size_t n = 1;
  for (Field f : shape.fields()) n *= values[static_cast<std::size_t>(f)].size();
  return n;
}

std::vector<Key> RuleKey::elements() const {
  std::vector<Key> out{Key{}};
  for (Field f : shape.fields()) {
    std::vector<Key> next;
    for (const Key& partial : out)
      for (const Interval& i : values[static_cast<std::size_t>(f)]) {
        next.push_back(partial);
        next.back().push_back(i);
      }
    out = std::move(next);
  }
  return out;
}

Bytes OverlapIndex::bucket_of(const Key& key) const {
  Bytes out;
  for (std::size_t k = 0; k < key.size(); ++k)
    if (exact_fields_ & (1u << k)) out.insert(out.end(), key[k].lo.begin(), key[k].lo.end());
  return out;
}

void OverlapIndex::narrow(const Key& key) const {
  std::uint32_t exact = exact_fields_;
  for (std::size_t k = 0; k < key.size(); ++k)
    if (!key[k].exact()) exact &= ~(1u << k);
  if (exact == exact_fields_) return;
  exact_fields_ = exact;
  buckets_.clear();
  if (exact == 0) return;
  for (std::size_t id = 0; id < keys_.size(); ++id) buckets_[bucket_of(keys_[id])].push_back(id);
}

bool OverlapIndex::overlaps(const Key& key) const {
  if (fields_ == 1) {
    auto it = single_.upper_bound(key[0].hi);  // first interval starting after key
    return it != single_.begin() && std::prev(it)->second >= key[0].lo;
  }
  narrow(key);
  if ((exact_fields_ & ((1u << fields_) - 1)) == 0) {
    if (keys_.size() > kMaxScan) return true;
    for (const Key& k : keys_)
      if (keys_overlap(k, key)) return true;
    return false;
  }
  auto it = buckets_.find(bucket_of(key));
  if (it == buckets_.end()) return false;
  for (std::size_t id : it->second)
    if (keys_overlap(keys_[id], key)) return true;
  return false;
}

void OverlapIndex::insert(const Key& key) {
  if (fields_ == 1) {
    single_.emplace(key[0].lo, key[0].hi);
    return;
  }
  narrow(key);
  keys_.push_back(key);
  if (exact_fields_ & ((1u << fields_) - 1)) buckets_[bucket_of(key)].push_back(keys_.size() - 1);
}

std::optional<RuleKey> rule_key(const model::Rule& rule, Family family, std::string* why) {
  return KeyBuilder(rule, family, why).build();
}

namespace {

// Matches that only read the packet and the connection.
bool reads_only(std::string_view name) {
  static constexpr std::string_view kReaders[] = {
      "comment", "tcp",       "udp",        "udplite",   "sctp",     "dccp",     "icmp",
      "icmp6",   "multiport", "iprange",    "conntrack", "state",    "mark",     "connmark",
      "mac",     "addrtype",  "pkttype",    "length",    "tos",      "dscp",     "ecn",
      "ttl",     "hl",        "helper",     "physdev",   "owner",    "devgroup", "realm",
      "cgroup",  "cpu",       "ipv6header", "frag",      "hbh",      "dst",      "rt",
      "mh",      "esp",       "ah",         "policy",    "time",     "string",   "u32",
      "tcpmss",  "rpfilter",  "socket",     "cluster",   "connbytes"};
  return listed(name, kReaders);
}

// The plain --sport/--dport (tcp, udp), --sports/--dports (multiport) or
// --src-range/--dst-range (iprange) of a save form; an option after "!" is skipped.
void footprint_match(const ext::Match& m, const model::Rule& rule, Family family, RuleKey& key) {
  const std::string_view name = m.name();
  const bool ports = name == "tcp" || name == "udp" || name == "multiport";
  if (!ports && name != "iprange") return;
  if (ports && (rule.ip.inv_proto || !is_port_proto(rule.ip.proto) ||
                (name == "tcp" && rule.ip.proto != 6) || (name == "udp" && rule.ip.proto != 17)))
    return;
  std::string saved;
  m.save(saved, ext::SaveContext{family, &rule.ip});
  const std::vector<std::string> w = words(saved);
  auto put = [&](Field f, std::vector<Interval> v) {
    if (!key.shape.has(f) && !v.empty()) {
      key.shape.add(f);
      key.values[static_cast<std::size_t>(f)] = std::move(v);
    }
  };
  for (std::size_t k = 0; k + 1 < w.size(); ++k) {
    if (w[k] == "!") {
      ++k;  // the option it inverts
      continue;
    }
    const std::string& opt = w[k];
    const std::string& arg = w[k + 1];
    if ((opt == "--sport" || opt == "--dport") && name != "multiport") {
      if (auto i = port_interval(arg)) put(opt == "--sport" ? Field::Sport : Field::Dport, {*i});
    } else if ((opt == "--sports" || opt == "--dports") && name == "multiport") {
      std::vector<Interval> v;
      for (const std::string& item : split(arg, ',')) {
        auto i = port_interval(item);
        if (!i) return;
        v.push_back(*i);
      }
      put(opt == "--sports" ? Field::Sport : Field::Dport, std::move(v));
    } else if ((opt == "--src-range" || opt == "--dst-range") && name == "iprange") {
      if (auto i = range_interval(arg, family))
        put(opt == "--src-range" ? Field::Src : Field::Dst, {*i});
    }
  }
}

}  // namespace

Footprint rule_footprint(const model::Rule& rule, Family family) {
  Footprint out;
  RuleKey& key = out.key;
  const model::IpHeader& ip = rule.ip;
  auto put = [&](Field f, std::optional<Interval> i) {
    if (i) {
      key.shape.add(f);
      key.values[static_cast<std::size_t>(f)] = {*i};
    }
  };
  if (ip.src && !ip.inv_src) put(Field::Src, address_interval(*ip.src, family));
  if (ip.dst && !ip.inv_dst) put(Field::Dst, address_interval(*ip.dst, family));
  if (ip.has_iniface && !ip.inv_in) put(Field::InIface, iface_interval(ip.iniface));
  if (ip.has_outiface && !ip.inv_out) put(Field::OutIface, iface_interval(ip.outiface));
  if (ip.proto != 0 && !ip.inv_proto) put(Field::Proto, Interval{{ip.proto}, {ip.proto}});
  out.stateless = !rule.incompatible;
  for (const auto& m : rule.matches) {
    if (!reads_only(m->name())) out.stateless = false;
    footprint_match(*m, rule, family, key);
  }
  return out;
}

}  // namespace cx::compile
