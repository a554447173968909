# Node service conformance (included from tests/conformance/CMakeLists.txt). Paths are spelled
# from CMAKE_CURRENT_LIST_DIR so the file works wherever it is included from.
byok_test(node_conformance_test LABEL conformance
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/node_conformance_test.cc
  LIBS plugin_process
  ENV "BYOK_PLUGIN_BINARY=$<TARGET_FILE:cinder-byok-csi>")
add_dependencies(node_conformance_test cinder-byok-csi)
