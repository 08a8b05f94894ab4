# `make package`: the Debian package of genesisd, the CLI, the shell and the
# shipped content (CPack, DEB generator). Layout once installed:
#   /usr/bin/genesisd, /usr/bin/genesis
#   /usr/share/genesis/{web,attack,policies,playbooks,models,sigma}
#   /usr/lib/systemd/system/genesisd.service   (deploy/genesisd.service)
#   /etc/genesis/genesisd.conf                 (deploy/genesisd.conf, a conffile)
#   /usr/share/doc/genesis/                    (README, docs)
# The shell (web/dist) must be built first: `make package` does.
install(TARGETS genesisd genesis RUNTIME DESTINATION bin)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/web/dist/ DESTINATION share/genesis/web)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/share/attack/ DESTINATION share/genesis/attack)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/policies/ DESTINATION share/genesis/policies)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/playbooks/ DESTINATION share/genesis/playbooks)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/ DESTINATION share/genesis/models)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/share/sigma/ DESTINATION share/genesis/sigma)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/genesisd.service DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/genesisd.conf DESTINATION /etc/genesis)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/genesis)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION share/doc/genesis)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME genesis)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Genesis maintainers <genesis@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Genesis: a control plane for fleets of software agents")
set(CPACK_PACKAGE_DESCRIPTION
    "genesisd holds a fleet of agents (spawn tree, cognition events, emotion), evaluates\n"
    "OPA-compatible Rego policies, maps telemetry to MITRE ATT&CK and answers with\n"
    "counter-agents; the browser shell draws the fleet live. Includes the genesis CLI.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql (>= 15)")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
    ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
    ${PROJECT_SOURCE_DIR}/deploy/debian/postrm
    ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
