# Writes OUTPUT: a C++ file defining Model::shipped() from the bytes of INPUT.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
file(WRITE "${OUTPUT}.tmp" "// Generated from models/emotion.bin by cmake/embed_emotion_model.cmake.
#include <cstdio>
#include <cstdlib>
#include \"emotion/emotion.h\"
namespace genesis::emotion {
namespace {
const char kShipped[${size} + 1] = {${bytes} 0};
}  // namespace
const Model& Model::shipped() {
  static const Model model = [] {
    auto m = Model::decode(std::string_view(kShipped, ${size}));
    // The file is checked when committed (tests/emotion); failing here is a build bug.
    if (!m) { std::fprintf(stderr, \"shipped emotion model: %s\\n\", m.error().to_string().c_str()); std::abort(); }
    return std::move(*m);
  }();
  return model;
}
}  // namespace genesis::emotion
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
