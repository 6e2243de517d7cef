# Installation: `cmake --install <build> [--prefix DIR]` (default prefix /usr/local).
#
#   <prefix>/sbin/cxtables                 the program
#   <prefix>/sbin/iptables, ip6tables, iptables-save, ..., the -nft names and the translate tools:
#                                          symbolic links to cxtables (it acts on the name)
#   <prefix>/sbin/cxtables-alternatives    registers <prefix>/sbin/iptables-nft (and the
#                                          ip6tables, -save, -restore names) as a Debian
#                                          alternative for /usr/sbin/iptables and ip6tables
#   <prefix>/sbin/cxtables-persistent      save | reload | flush of /etc/iptables/rules.v4/v6
#   <prefix>/lib/systemd/system/cxtables-persistent.service
#                                          loads those files at boot before network-pre.target
#
# Every file, links included, is listed in <build>/install_manifest.txt, so
# `xargs rm -f < build/install_manifest.txt` takes an installation away again.
# DESTDIR is honoured (staged installs, packaging).

set(CXTABLES_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
  "Where cxtables-persistent.service goes (relative to the prefix, or absolute)")

install(TARGETS cxtables RUNTIME DESTINATION sbin)
# The links are made next to the program at build time (see CMakeLists.txt, CX_NAMES) and
# installed as links.
foreach(name ${CX_NAMES})
  install(FILES ${CMAKE_BINARY_DIR}/sbin/${name} DESTINATION sbin)
endforeach()

install(PROGRAMS
  ${CMAKE_SOURCE_DIR}/scripts/cxtables-alternatives
  ${CMAKE_SOURCE_DIR}/scripts/cxtables-persistent
  DESTINATION sbin)

# packaging/cxtables-persistent.service names /usr/local/sbin; the installed copy names the
# prefix it is installed under (read at install time, so `cmake --install --prefix` works).
install(CODE "
  file(READ \"${CMAKE_SOURCE_DIR}/packaging/cxtables-persistent.service\" cx_unit)
  string(REPLACE \"/usr/local/sbin/\" \"\${CMAKE_INSTALL_PREFIX}/sbin/\" cx_unit \"\${cx_unit}\")
  file(WRITE \"${CMAKE_BINARY_DIR}/packaging/cxtables-persistent.service\" \"\${cx_unit}\")
")
install(FILES ${CMAKE_BINARY_DIR}/packaging/cxtables-persistent.service
  DESTINATION ${CXTABLES_SYSTEMD_UNITDIR})
