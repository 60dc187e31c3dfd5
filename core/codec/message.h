// Internal to core/codec: text from untrusted input made safe to put in an
// error message (ASCII only, no control characters, bounded length).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mlchain::codec::detail {

// Printable ASCII is kept; every other byte (controls, DEL, anything >= 0x80,
// so also invalid UTF-8) becomes \xNN. Beyond max_bytes of input the rest is
// replaced by "...(N bytes)", so a 1 MB key cannot make a 4 MB message.
std::string printable(std::string_view text, std::size_t max_bytes = 64);

}  // namespace mlchain::codec::detail
