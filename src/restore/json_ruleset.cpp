#include "restore/json_ruleset.h"

#include "cli/print.h"
#include "codec/rule_codec.h"
#include "core/tables.h"
#include "restore/restore.h"

namespace cx::restore {

namespace {

using ojson = nlohmann::ordered_json;

// The fixed part of a rule: option letter, JSON field.
struct FixedField {
  const char* option;
  const char* field;
  bool has_value;
};
constexpr FixedField kFixed[] = {
    {"-s", "source", true},        {"-d", "destination", true}, {"-i", "in_interface", true},
    {"-o", "out_interface", true}, {"-p", "protocol", true},    {"-f", "fragment", false},
};

const FixedField* fixed_by_option(const std::string& w) {
  for (const auto& f : kFixed)
    if (w == f.option) return &f;
  return nullptr;
}

ojson counters_json(const model::Counters& c) {
  return ojson{{"packets", c.packets}, {"bytes", c.bytes}};
}

// The words of a rule's save form as fields: the fixed part, then "-m NAME" groups and the
// target, each with its options ("--name args..." with a "!" before it when inverted).
Result<ojson> rule_fields(const std::vector<std::string>& words) {
  ojson rule;
  ojson matches = ojson::array();
  ojson* group = nullptr;  // the match or target options go to
  ojson target;
  bool invert = false;
  for (std::size_t i = 0; i < words.size();) {
    const std::string& w = words[i];
    if (w == "!") {
      invert = true;
      ++i;
      continue;
    }
    if (const FixedField* f = fixed_by_option(w)) {
      if (f->has_value) {
        if (i + 1 >= words.size()) return other_error("rule ends after " + w);
        rule[f->field] = words[i + 1];
        i += 2;
      } else {
        rule[f->field] = true;
        ++i;
      }
      if (invert) rule[std::string(f->field) + "_invert"] = true;
      invert = false;
      continue;
    }
    if ((w == "-m" || w == "-j" || w == "-g") && i + 1 < words.size()) {
      if (w == "-g") {
        rule["goto"] = words[i + 1];
        group = nullptr;
      } else if (w == "-m") {
        matches.push_back(ojson{{"name", words[i + 1]}, {"options", ojson::array()}});
        group = &matches.back();
      } else {
        target = ojson{{"name", words[i + 1]}, {"options", ojson::array()}};
        group = &target;
      }
      i += 2;
      continue;
    }
    if (w.rfind("--", 0) == 0 && group) {
      ojson opt{{"name", w.substr(2)}};
      if (invert) opt["invert"] = true;
      invert = false;
      ojson args = ojson::array();
      for (++i; i < words.size(); ++i) {
        const std::string& a = words[i];
        if (a == "!" || a.rfind("--", 0) == 0 || a == "-m" || a == "-j" || a == "-g") break;
        args.push_back(a);
      }
      opt["args"] = std::move(args);
      (*group)["options"].push_back(std::move(opt));
      continue;
    }
    return other_error("unexpected word `" + w + "' in a rule");
  }
  if (!matches.empty()) rule["matches"] = std::move(matches);
  if (!target.is_null()) {
    if (target["options"].empty()) target.erase("options");
    rule["target"] = std::move(target);
  }
  if (rule.contains("matches"))
    for (auto& m : rule["matches"])
      if (m["options"].empty()) m.erase("options");
  return rule;
}

// A word as a restore line reads it back: quoted where it holds blanks, quotes or backslashes.
std::string restore_word(const std::string& w) {
  if (!w.empty() && w.find_first_of(" \t\"\\'") == std::string::npos) return w;
  std::string q = "\"";
  for (char c : w) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

// Reading the document: each error names where it is.
class Reader {
 public:
  explicit Reader(Family family) : family_(family) {}

  Result<std::string> document(const nlohmann::json& doc, std::vector<std::string>& paths) {
    paths_ = &paths;
    if (!doc.is_object()) return wrong("$", "an object");
    if (doc.contains("family")) {
      const auto& f = doc["family"];
      const std::string want = family_ == Family::V4 ? "ipv4" : "ipv6";
      if (!f.is_string() || (f != "ipv4" && f != "ipv6"))
        return wrong("$.family", "\"ipv4\" or \"ipv6\"");
      if (f != want)
        return at("$.family", "the document is for " + f.get<std::string>() +
                                  ", this restore for " + want + " (use -4 or -6)");
    }
    if (!doc.contains("tables") || !doc["tables"].is_array()) return wrong("$.tables", "an array");
    std::string text;
    for (std::size_t i = 0; i < doc["tables"].size(); ++i)
      CX_TRY(table(doc["tables"][i], "$.tables[" + std::to_string(i) + "]", text));
    return text;
  }

 private:
  Error at(const std::string& path, const std::string& what) const {
    return Error{ErrorKind::Parameter, path + ": " + what, ErrorStyle::Bare, 0};
  }
  Error wrong(const std::string& path, const std::string& want) const {
    return at(path, "expected " + want);
  }
  void line(std::string& text, const std::string& l, const std::string& path) {
    text += l + "\n";
    paths_->push_back(path);
  }

  Result<std::string> string_field(const nlohmann::json& obj, const char* name,
                                   const std::string& path, bool required = true) {
    const std::string p = path + "." + name;
    if (!obj.contains(name)) {
      if (required) return at(p, "missing");
      return std::string();
    }
    return text(obj[name], p);
  }

  // A string that goes into a restore line as it is: no line breaks.
  Result<std::string> text(const nlohmann::json& v, const std::string& path) {
    if (!v.is_string()) return wrong(path, "a string");
    std::string s = v.get<std::string>();
    if (s.find_first_of("\n\r") != std::string::npos)
      return at(path, "a line break is not allowed");
    return s;
  }

  Result<std::string> counters(const nlohmann::json& obj, const std::string& path) {
    if (!obj.contains("counters")) return std::string("[0:0]");
    const auto& c = obj["counters"];
    const std::string p = path + ".counters";
    if (!c.is_object()) return wrong(p, "an object with packets and bytes");
    for (const char* k : {"packets", "bytes"})
      if (!c.contains(k) || !c[k].is_number_unsigned())
        return wrong(p + "." + k, "a number of 0 or more");
    return "[" + std::to_string(c["packets"].get<std::uint64_t>()) + ":" +
           std::to_string(c["bytes"].get<std::uint64_t>()) + "]";
  }

  Status table(const nlohmann::json& t, const std::string& path, std::string& text) {
    if (!t.is_object()) return wrong(path, "an object");
    auto name = string_field(t, "name", path);
    if (!name) return name.take_error();
    const core::TableSpec* spec = core::find_table(*name);
    if (!spec) return at(path + ".name", "no table `" + *name + "' in iptables");
    if (t.contains("incompatible"))
      return at(path, "table `" + *name + "' holds rules iptables cannot read; not restored");
    if (!t.contains("chains") || !t["chains"].is_array())
      return wrong(path + ".chains", "an array");
    line(text, "*" + *name, path);
    const auto& chains = t["chains"];
    for (std::size_t i = 0; i < chains.size(); ++i)
      CX_TRY(chain_line(chains[i], path + ".chains[" + std::to_string(i) + "]", *spec, text));
    for (std::size_t i = 0; i < chains.size(); ++i)
      CX_TRY(rules(chains[i], path + ".chains[" + std::to_string(i) + "]", text));
    line(text, "COMMIT", path);
    return {};
  }

  Status chain_line(const nlohmann::json& c, const std::string& path, const core::TableSpec& spec,
                    std::string& text) {
    if (!c.is_object()) return wrong(path, "an object");
    auto name = string_field(c, "name", path);
    if (!name) return name.take_error();
    const bool builtin = core::find_builtin(spec, *name) != nullptr;
    std::string policy = "-";
    if (c.contains("policy")) {
      auto p = string_field(c, "policy", path);
      if (!p) return p.take_error();
      if (!builtin) return at(path + ".policy", "only built-in chains have a policy");
      if (*p != "ACCEPT" && *p != "DROP") return wrong(path + ".policy", "\"ACCEPT\" or \"DROP\"");
      policy = *p;
    } else if (builtin) {
      policy = "ACCEPT";
    }
    auto ctr = counters(c, path);
    if (!ctr) return ctr.take_error();
    line(text, ":" + *name + " " + policy + " " + *ctr, path);
    return {};
  }

  Status rules(const nlohmann::json& c, const std::string& path, std::string& text) {
    if (!c.contains("rules")) return {};
    const auto& rs = c["rules"];
    if (!rs.is_array()) return wrong(path + ".rules", "an array");
    const std::string chain = c["name"].get<std::string>();
    for (std::size_t i = 0; i < rs.size(); ++i) {
      const std::string p = path + ".rules[" + std::to_string(i) + "]";
      auto words = rule_words(rs[i], p);
      if (!words) return words.take_error();
      auto ctr = counters(rs[i], p);
      if (!ctr) return ctr.take_error();
      std::string l = *ctr + " -A " + restore_word(chain);
      for (const auto& w : *words) l += " " + restore_word(w);
      line(text, l, p);
    }
    return {};
  }

  Result<std::vector<std::string>> rule_words(const nlohmann::json& r, const std::string& path) {
    if (!r.is_object()) return wrong(path, "an object");
    std::vector<std::string> words;
    for (const auto& f : kFixed) {
      if (!r.contains(f.field)) continue;
      const std::string inv = std::string(f.field) + "_invert";
      if (r.contains(inv)) {
        if (!r[inv].is_boolean()) return wrong(path + "." + inv, "true or false");
        if (r[inv].get<bool>()) words.push_back("!");
      }
      if (f.has_value) {
        auto v = string_field(r, f.field, path);
        if (!v) return v.take_error();
        words.push_back(f.option);
        words.push_back(*v);
      } else {
        if (!r[f.field].is_boolean()) return wrong(path + "." + f.field, "true or false");
        if (!r[f.field].get<bool>()) {
          if (!words.empty() && words.back() == "!") words.pop_back();
          continue;
        }
        words.push_back(f.option);
      }
    }
    if (r.contains("matches")) {
      const auto& ms = r["matches"];
      if (!ms.is_array()) return wrong(path + ".matches", "an array");
      for (std::size_t i = 0; i < ms.size(); ++i)
        CX_TRY(extension(ms[i], path + ".matches[" + std::to_string(i) + "]", "-m", words));
    }
    if (r.contains("target") && r.contains("goto"))
      return at(path, "a rule has a target or a goto, not both");
    if (r.contains("target")) CX_TRY(extension(r["target"], path + ".target", "-j", words));
    if (r.contains("goto")) {
      auto g = string_field(r, "goto", path);
      if (!g) return g.take_error();
      words.push_back("-g");
      words.push_back(*g);
    }
    return words;
  }

  Status extension(const nlohmann::json& e, const std::string& path, const char* flag,
                   std::vector<std::string>& words) {
    if (!e.is_object()) return wrong(path, "an object");
    auto name = string_field(e, "name", path);
    if (!name) return name.take_error();
    words.push_back(flag);
    words.push_back(*name);
    if (!e.contains("options")) return {};
    const auto& opts = e["options"];
    if (!opts.is_array()) return wrong(path + ".options", "an array");
    for (std::size_t i = 0; i < opts.size(); ++i) {
      const std::string p = path + ".options[" + std::to_string(i) + "]";
      const auto& o = opts[i];
      if (!o.is_object()) return wrong(p, "an object");
      auto oname = string_field(o, "name", p);
      if (!oname) return oname.take_error();
      if (o.contains("invert")) {
        if (!o["invert"].is_boolean()) return wrong(p + ".invert", "true or false");
        if (o["invert"].get<bool>()) words.push_back("!");
      }
      words.push_back("--" + *oname);
      if (!o.contains("args")) continue;
      if (!o["args"].is_array()) return wrong(p + ".args", "an array of strings");
      for (std::size_t j = 0; j < o["args"].size(); ++j) {
        auto a = text(o["args"][j], p + ".args[" + std::to_string(j) + "]");
        if (!a) return a.take_error();
        words.push_back(std::move(*a));
      }
    }
    return {};
  }

  Family family_;
  std::vector<std::string>* paths_ = nullptr;
};

}  // namespace

Result<nlohmann::ordered_json> ruleset_json(core::Session& session, const std::string& table,
                                            bool counters) {
  if (auto s = session.refresh(); !s) return s.take_error();
  std::vector<std::string> names;
  if (!table.empty()) {
    if (!core::find_table(table))
      return Error{ErrorKind::Other, "Table `" + table + "' does not exist", ErrorStyle::Bare, 0};
    names.push_back(table);
  } else {
    auto all = session.existing_tables();
    if (!all) return all.take_error();
    names = *all;
  }
  const Family family = session.family();
  ojson doc;
  doc["family"] = family == Family::V4 ? "ipv4" : "ipv6";
  ojson tables = ojson::array();
  for (const auto& name : names) {
    auto t = session.read_table(name);
    if (!t) return t.take_error();
    ojson tj;
    tj["name"] = name;
    if (t->incompatible()) {
      tj["incompatible"] = true;
      tables.push_back(std::move(tj));
      continue;
    }
    ojson chains = ojson::array();
    for (const auto& c : t->chains) {
      ojson cj;
      cj["name"] = c.name;
      if (c.builtin) cj["policy"] = c.policy_accept ? "ACCEPT" : "DROP";
      if (counters && c.builtin) cj["counters"] = counters_json(c.policy_counters);
      ojson rules = ojson::array();
      for (const auto& r : c.rules) {
        if (r.incompatible) return codec::lift_error(r, "cxtables");
        std::string spec = cli::rule_spec(r, family);
        if (!spec.empty() && spec[0] == ' ') spec.erase(0, 1);
        auto fields = rule_fields(split_words(spec));
        if (!fields) return fields.take_error();
        ojson rj;
        rj["spec"] = spec;
        if (counters) rj["counters"] = counters_json(r.counters);
        for (auto& [k, v] : fields->items()) rj[k] = v;
        rules.push_back(std::move(rj));
      }
      cj["rules"] = std::move(rules);
      chains.push_back(std::move(cj));
    }
    tj["chains"] = std::move(chains);
    tables.push_back(std::move(tj));
  }
  doc["tables"] = std::move(tables);
  return doc;
}

Result<std::string> json_to_restore_text(const nlohmann::json& doc, Family family,
                                         std::vector<std::string>& paths) {
  return Reader(family).document(doc, paths);
}

Result<nlohmann::json> parse_json_document(const std::string& text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." without its tag
    if (auto at = what.find("] "); at != std::string::npos) what.erase(0, at + 2);
    return Error{ErrorKind::Parameter, "invalid JSON: " + what, ErrorStyle::Bare, 0};
  }
}

}  // namespace cx::restore
