#pragma once
#include <string>

#include "model/family.h"

namespace cx::tools {
std::string help_text(const std::string& program, Family family);
}
