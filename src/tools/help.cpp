#include "tools/help.h"

namespace cx::tools {
std::string help_text(const std::string& program, Family) {
  return program + " v1.8.9 (nf_tables)\n";
}
}  // namespace cx::tools
