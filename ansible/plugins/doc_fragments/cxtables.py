# -*- coding: utf-8 -*-
"""The documentation every module of cxtables.firewall shares."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  executable:
    description: The cxtables program. Defaults to C(cxtables) found in PATH or the sbin folders.
    type: path
notes:
  - Needs the cxtables program on the managed host (the Debian package cxtables).
"""
