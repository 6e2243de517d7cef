// Defaults of the evaluation hooks of ext::Match / ext::Target: an extension without its own
// evaluate() is undecidable, and the trace says so.
#include "eval/context.h"
#include "ext/extension.h"

namespace cx::ext {

eval::Outcome Match::evaluate(const eval::Packet&, eval::Context& ctx) const {
  ctx.set_reason("cxtables cannot evaluate -m " + std::string(name()) + " yet");
  return eval::Outcome::Undecidable;
}

eval::TargetAction Target::evaluate(eval::Packet&, eval::Context& ctx) const {
  ctx.set_reason("cxtables cannot evaluate -j " + std::string(name()) + " yet");
  return eval::TargetAction::Undecidable;
}

}  // namespace cx::ext
