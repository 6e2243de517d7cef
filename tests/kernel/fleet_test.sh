#!/bin/bash
# fleet_test.sh: the Ansible collection on a fleet of SSH hosts in namespaces; the test itself
# lives with its playbooks in tests/fleet/ (see tests/fleet/fleet_test.sh).
exec bash "$(cd "$(dirname "$0")" && pwd)/../fleet/fleet_test.sh" "$@"
