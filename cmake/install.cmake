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

#   <prefix>/share/man/man8/cxtables*.8  the manual pages (made from docs/man/*.scd with scdoc,
#                                          when scdoc is installed)
#   <prefix>/share/bash-completion/completions/cxtables
#                                          Tab completion of cxtables' commands and options
#
# CXTABLES_NAMEDIR puts the names somewhere else than <prefix>/sbin (the Debian package uses
# libexec/cxtables, since Debian's iptables owns /usr/sbin/iptables-nft & co.);
# cxtables-persistent then runs the names from there.

set(CXTABLES_NAMEDIR "sbin" CACHE STRING
  "Where the names (iptables, iptables-save, ...) go, relative to the prefix")
set(CXTABLES_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
  "Where cxtables-persistent.service goes (relative to the prefix, or absolute)")

install(TARGETS cxtables RUNTIME DESTINATION sbin)
# The links are made next to the program at build time (see CMakeLists.txt, CX_NAMES) and
# installed as links.
foreach(name ${CX_NAMES})
  install(FILES ${CMAKE_BINARY_DIR}/sbin/${name} DESTINATION ${CXTABLES_NAMEDIR})
endforeach()

if(CXTABLES_NAMEDIR STREQUAL "sbin")
  install(PROGRAMS
    ${CMAKE_SOURCE_DIR}/scripts/cxtables-alternatives
    ${CMAKE_SOURCE_DIR}/scripts/cxtables-persistent
    DESTINATION sbin)
else()
  # The names live elsewhere: next to them a link back to the program in sbin (the names
  # are links to "cxtables" in their own directory), and cxtables-persistent runs them from
  # there. cxtables-alternatives is for names in sbin only.
  file(RELATIVE_PATH cx_rel ${CMAKE_INSTALL_PREFIX}/${CXTABLES_NAMEDIR}
    ${CMAKE_INSTALL_PREFIX}/sbin/cxtables)
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/namedir ${CMAKE_BINARY_DIR}/scripts)
  file(CREATE_LINK ${cx_rel} ${CMAKE_BINARY_DIR}/namedir/cxtables SYMBOLIC)
  install(FILES ${CMAKE_BINARY_DIR}/namedir/cxtables DESTINATION ${CXTABLES_NAMEDIR})
  file(READ ${CMAKE_SOURCE_DIR}/scripts/cxtables-persistent cx_script)
  string(REPLACE "sbin=\${CXTABLES_SBIN:-}"
    "sbin=\${CXTABLES_SBIN:-${CMAKE_INSTALL_PREFIX}/${CXTABLES_NAMEDIR}}" cx_script "${cx_script}")
  file(WRITE ${CMAKE_BINARY_DIR}/scripts/cxtables-persistent "${cx_script}")
  install(PROGRAMS ${CMAKE_BINARY_DIR}/scripts/cxtables-persistent DESTINATION sbin)
endif()

# packaging/cxtables-persistent.service names /usr/local/sbin; the installed copy names the
# prefix it is installed under (read at install time, so `cmake --install --prefix` works).
install(CODE "
  file(READ \"${CMAKE_SOURCE_DIR}/packaging/cxtables-persistent.service\" cx_unit)
  string(REPLACE \"/usr/local/sbin/\" \"\${CMAKE_INSTALL_PREFIX}/sbin/\" cx_unit \"\${cx_unit}\")
  file(WRITE \"${CMAKE_BINARY_DIR}/packaging/cxtables-persistent.service\" \"\${cx_unit}\")
")
install(FILES ${CMAKE_BINARY_DIR}/packaging/cxtables-persistent.service
  DESTINATION ${CXTABLES_SYSTEMD_UNITDIR})

find_program(SCDOC scdoc)
if(SCDOC)
  file(GLOB CX_MAN_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/man/*.scd)
  set(CX_MAN_PAGES)
  foreach(src ${CX_MAN_SOURCES})
    get_filename_component(page ${src} NAME_WLE)
    add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/man/${page}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND ${SCDOC} < ${src} > ${CMAKE_BINARY_DIR}/man/${page}
      DEPENDS ${src} VERBATIM)
    list(APPEND CX_MAN_PAGES ${CMAKE_BINARY_DIR}/man/${page})
  endforeach()
  add_custom_target(man ALL DEPENDS ${CX_MAN_PAGES})
  install(FILES ${CX_MAN_PAGES} DESTINATION share/man/man8)
else()
  message(STATUS "scdoc not found: the manual pages (docs/man/*.scd) are not built")
endif()

install(FILES ${CMAKE_SOURCE_DIR}/completion/cxtables.bash
  DESTINATION share/bash-completion/completions RENAME cxtables)
