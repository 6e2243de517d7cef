// What evaluating one match or one target against a packet can give (src/eval). Kept apart
// from packet.h so that ext/extension.h can name these types without pulling in the
// evaluator.
#pragma once
#include <cstdint>

namespace cx::eval {

struct Packet;
class Context;

// A match either decides (Match / NoMatch) from the packet description, or says that it
// cannot (Undecidable, with the reason in Context::set_reason): never a guess.
enum class Outcome : std::uint8_t { NoMatch, Match, Undecidable };

// What a target does to the traversal: go on with the next rule (LOG, MARK, ...), end it
// (ACCEPT-like NAT targets, REJECT/DROP-like), or cannot be evaluated.
enum class TargetAction : std::uint8_t { Continue, Accept, Drop, Queue, Return, Undecidable };

}  // namespace cx::eval
