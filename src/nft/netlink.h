// The kernel side: one netlink socket, dumps of tables/chains/rules, and batches where one
// batch is one nf_tables transaction. Built on libmnl and libnftnl.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/family.h"
#include "nft/expr.h"

struct nlmsghdr;

namespace cx::nft {

struct TableObj {
  std::string name;
  std::uint64_t handle = 0;
};

struct ChainObj {
  std::string table, name;
  std::optional<std::uint64_t> handle;
  std::optional<std::uint32_t> hooknum;
  std::int32_t priority = 0;
  std::optional<std::uint32_t> policy;  // NF_DROP 0 / NF_ACCEPT 1
  std::optional<std::uint32_t> use;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> counters;  // packets, bytes
  std::string type;                                                 // empty: not sent
  std::optional<std::uint32_t> flags;
};

struct RuleObj {
  std::string table, chain;
  std::optional<std::uint64_t> handle, position;
  std::vector<Expr> exprs;
  bool exprs_set = true;  // EXPRESSIONS attribute present (a flush has none)
  std::optional<std::uint32_t> compat_proto, compat_flags;
  std::optional<std::uint32_t> id;
  std::optional<Bytes> userdata;             // nft keeps a rule's comment here (iptables-nft: none)
  std::optional<std::uint32_t> position_id;  // insert before the batch's rule of this id

  bool operator==(const RuleObj&) const = default;
};

// A set element as compiled chains use it: a key (the start of an interval in an interval
// set), a verdict when the set is a verdict map, its userdata and its counter.
struct SetElemObj {
  Bytes key;
  std::optional<Bytes> key_end;  // a range of a concatenation (NFTA_SET_ELEM_KEY_END)
  std::uint32_t flags = 0;  // NFT_SET_ELEM_INTERVAL_END (1)
  std::optional<std::int32_t> verdict;
  std::string chain;  // jump / goto
  std::optional<Bytes> userdata;
  // The element's counter expression: sent when set (also 0 0), read back from a dump.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> counter;
  bool operator==(const SetElemObj&) const = default;
};

// A named set or verdict map (NFT_SET_* flags), and for NEWSETELEM the elements it carries.
struct SetObj {
  std::string table, name;
  std::uint32_t flags = 0;  // NFT_SET_INTERVAL 4, NFT_SET_MAP 8, NFT_SET_CONCAT 0x80
  std::uint32_t key_type = 0, key_len = 0;
  // An interval concatenation: each field's length in bytes (NFTA_SET_DESC_CONCAT).
  std::vector<std::uint8_t> concat;
  std::optional<std::uint32_t> data_type;  // maps: NFT_DATA_VERDICT
  std::optional<std::uint32_t> id;
  bool counter = false;  // every element gets a counter (NFTA_SET_EXPR)
  std::optional<Bytes> userdata;
  std::vector<SetElemObj> elems;
};

enum class MsgType {
  NewTable,
  DelTable,
  NewChain,
  DelChain,
  NewRule,
  DelRule,
  NewSet,
  DelSet,
  NewSetElem,
  DelSetElem
};

// NLM_F_* values used by iptables-nft.
enum : std::uint16_t {
  kNlmRequest = 0x1,
  kNlmReplace = 0x100,
  kNlmExcl = 0x200,
  kNlmCreate = 0x400,
  kNlmAppend = 0x800,
  kNlmNonrec = 0x100,
};

struct Message {
  MsgType type;
  std::uint16_t flags = kNlmRequest;
  std::string table;  // NewTable / DelTable
  ChainObj chain;
  RuleObj rule;
  SetObj set;  // NewSet / DelSet / NewSetElem / DelSetElem
  // For error messages: " RULE_APPEND failed (...): rule in chain INPUT"
  std::string op_name;
  std::string object_text;
  int line = 0;  // restore line
};

// Messages serialised as they are added, so a restore of many rules keeps the bytes of the
// batch and a few words per message, not every rule's expressions.
// A NEWRULE or DELRULE message of a batch read back whole (handle, position, ids, flags);
// nothing for other messages.
std::optional<Message> batch_rule_message(const nlmsghdr* n);
// The chain of a NEWRULE or DELRULE message (empty for a table flush); nothing for others.
std::optional<std::string> batch_rule_chain(const nlmsghdr* n);

class Batch {
 public:
  explicit Batch(Family family);
  void add(const Message& m);
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // For error messages: " RULE_APPEND failed (...): rule in chain INPUT", and the line.
  std::string_view op_name(std::size_t i) const;
  std::string object_text(std::size_t i) const;
  int line(std::size_t i) const { return meta(i).line; }
  // Gives message `index` (a NEWRULE) the attribute NFTA_RULE_ID, so that a later message of
  // the same batch can name the rule before the kernel has given it a handle.
  void set_rule_id(std::size_t index, std::uint32_t id);
  // Each rule a NEWRULE message of the batch adds, read back from its bytes, with the
  // message's index and NLM_F_* flags: a restore looks for the rules it added only once a -D
  // asks for them.
  void for_each_added_rule(
      const std::function<void(std::size_t, RuleObj&&, std::uint16_t)>& each) const;
  // A new batch of the messages `keep` keeps, in order (with their texts and lines).
  Batch rebuilt(const std::function<bool(const nlmsghdr*)>& keep) const;
  // Every message of `other` added after this batch's.
  void append(const Batch& other);
  void for_each_message(const std::function<void(const nlmsghdr*)>& each) const;
  // The messages as they will be sent, BATCH_BEGIN/END left out (for tests).
  std::string bytes() const;

 private:
  friend class Netlink;
  void for_each_raw(const std::function<void(const nlmsghdr*, std::uint32_t, int)>& each) const;
  // The bytes live in chunks that are never moved or zero-filled, and go to the kernel as
  // one sendmsg() with an iovec per chunk: a 50k-rule restore then holds its ~29 MB batch
  // once instead of twice while a single buffer doubles. No message straddles two chunks,
  // and a chunk holds the messages from first_message on, one after the other.
  struct Chunk {
    std::unique_ptr<char[]> data;
    std::size_t used = 0, capacity = 0;
    std::size_t first_message = 0;
  };
  // Per message only what an error message needs: its texts (an index into text_pairs_) and
  // its line. A restore of 50k rules sends 120k messages, so these are kept as varints, two
  // to four bytes a message, and read by walking from the first; where a message is, is
  // found by walking its chunk. Only errors and NFTA_RULE_ID need either.
  struct Meta {
    std::uint32_t texts = 0;
    int line = 0;
  };
  Meta meta(std::size_t i) const;
  void add_raw(const Batch& from, const nlmsghdr* n, std::uint32_t texts, int line);
  Chunk& add_chunk(std::size_t capacity, std::size_t first_message, std::size_t at);
  std::size_t chunk_of(std::size_t i) const;
  std::uint32_t intern(const std::string& text);
  std::uint32_t intern_pair(std::uint32_t op, std::uint32_t object);
  std::uint32_t intern_object(const Message& m);
  std::string_view text(std::uint32_t at) const;
  nlmsghdr* message(std::size_t i) const;

  Family family_;
  std::uint32_t first_seq_;
  std::vector<Chunk> chunks_;
  std::size_t count_ = 0;
  std::string meta_;  // per message: varint texts, zigzag varint line - previous line
  int last_line_ = 0;
  // Every distinct text once, NUL-terminated, one after the other, and the distinct
  // (operation, object) pairs. Consecutive messages mostly repeat the texts of the ones
  // before (the rules of one chain), and a restore has a handful of operation names, so the
  // last few are all that is searched.
  std::string texts_;
  std::array<std::uint32_t, 8> recent_texts_{};
  std::size_t recent_next_ = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> text_pairs_;
  std::array<std::uint32_t, 8> recent_pairs_{};
  std::size_t recent_pair_next_ = 0;
};

struct CommitError {
  int err = 0;            // errno from the kernel
  std::size_t index = 0;  // failing message
  // Every message the kernel refused, in batch order (the first is err/index): the kernel
  // goes on checking a failed batch to the end before it aborts it.
  std::vector<std::pair<std::size_t, int>> all;
  // A reply did not fit in the 4096 bytes iptables-nft reads at a time (the kernel echoes a
  // refused message, so a rule of some 4 KB): its read fails with ENOSPC, and the errors
  // after it go unread.
  bool truncated = false;
};

// Lifts one NFT_MSG_NEWRULE message, as a rule dump returns it, into a RuleObj; nullopt when
// the message is not a well-formed rule. `len` is the size of the buffer at `msg`.
std::optional<RuleObj> parse_rule_message(const void* msg, std::size_t len);
// The same through libnftnl alone (what parse_rule_message falls back to when its own reader
// leaves a message to libnftnl); the length is checked already.
std::optional<RuleObj> parse_rule_message_libnftnl(const nlmsghdr* msg);
// The attributes of a NEWRULE/DELRULE built through libnftnl (what the message builder falls
// back to for expressions its own writer leaves to libnftnl).
void write_rule_payload_libnftnl(nlmsghdr* msg, const RuleObj& rule);

// The payload of a NEWSET/DELSET/NEWSETELEM message (nft/set_message.cpp).
void write_set_payload(nlmsghdr* msg, MsgType type, const SetObj& set);
// A set or a set's elements as a dump returns them; nullopt when not well-formed.
std::optional<SetObj> parse_set_message(const nlmsghdr* msg);
std::optional<std::vector<SetElemObj>> parse_set_elems_message(const nlmsghdr* msg);

// False when the rule message `msg` (as a dump returns it, already checked by the netlink
// layer) certainly does not hold the expressions `want`, counters aside; true when it may.
// Reads the attributes in place: a search through a long chain parses only its candidates.
bool may_hold(const nlmsghdr* msg, const std::vector<Expr>& want);

class Netlink {
 public:
  Netlink();
  ~Netlink();
  Netlink(const Netlink&) = delete;
  Netlink& operator=(const Netlink&) = delete;

  Status open();
  Result<std::uint32_t> genid();
  Result<std::vector<TableObj>> dump_tables(Family family);
  Result<std::vector<ChainObj>> dump_chains(Family family, const std::string& table);
  // Hands each rule to `each` as it arrives; `restart` is called when the kernel restarts
  // an interrupted dump (everything handed over so far is to be dropped).
  // `candidates`, when given, names the expressions of the rule being looked for: messages
  // that cannot hold them (another expression count, another expression, other compared
  // data) are skipped before they are parsed.
  Status for_each_rule(Family family, const std::string& table, const std::string& chain,
                       const std::function<void(RuleObj&&)>& each,
                       const std::function<void()>& restart,
                       const std::vector<Expr>* candidates = nullptr);
  // The same, stopping once `each` returns false: the rest of the chain is not read (the
  // kernel builds each reply only when the one before it was read), and the socket, which
  // still has the unfinished dump, is replaced by a new one.
  Status for_each_rule_until(Family family, const std::string& table, const std::string& chain,
                             const std::function<bool(RuleObj&&)>& each,
                             const std::function<void()>& restart,
                             const std::vector<Expr>* candidates = nullptr);
  // The table's sets (without elements), and one set's elements.
  Result<std::vector<SetObj>> dump_sets(Family family, const std::string& table);
  Result<std::vector<SetElemObj>> dump_set_elems(Family family, const std::string& table,
                                                 const std::string& set);
  // The element of a set that holds `key` (for an interval set, the interval around it), or
  // nothing: one request, no dump.
  Result<std::optional<SetElemObj>> get_set_elem(Family family, const std::string& table,
                                                 const std::string& set, const Bytes& key);
  // One chain by name, without a dump (empty when it does not exist).
  Result<std::optional<ChainObj>> get_chain(Family family, const std::string& table,
                                            const std::string& name);
  Result<std::vector<RuleObj>> dump_rules(Family family, const std::string& table,
                                          const std::string& chain = {});
  // Sends the messages as one batch. On a kernel error returns the first failing message.
  Result<std::optional<CommitError>> commit(Family family, const std::vector<Message>& msgs,
                                            std::uint32_t genid);
  Result<std::optional<CommitError>> commit(const Batch& batch, std::uint32_t genid);
  // What iptables-nft-restore --test sends at COMMIT: a BATCH_BEGIN with generation 0 and
  // nothing else, which the kernel discards.
  Status send_test_batch();
  // Asks the kernel whether an xt match/target revision exists (NFNL_MSG_COMPAT_GET).
  bool compat_revision_supported(const std::string& name, std::uint32_t rev, bool target,
                                 Family family);

 private:
  // A new socket in place of one that still holds an unfinished dump.
  Status reopen();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cx::nft
