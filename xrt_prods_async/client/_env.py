"""Where the client looks when it is not told: the environment variables it reads and the page where a user
registers. Kept apart from ``_api`` so that the command line can name them in ``--help`` without loading the
client (tests/test_startup.py)."""

from __future__ import annotations

__all__ = ["ENV_BASE_URL", "ENV_MAIN_API_URL", "ENV_USER_ID", "REGISTER_URL"]

#: Environment variable read when no ``user_id`` is given: the e-mail address registered with the service.
ENV_USER_ID = "XRT_PRODS_USER_ID"

#: Environment variable read when no ``base_url`` is given (e.g. an emulator's URL); default: the service.
ENV_BASE_URL = "XRT_PRODS_BASE_URL"

#: Environment variable read when no ``main_api_url`` is given; default: ``API/main.php`` beside the base URL.
ENV_MAIN_API_URL = "XRT_PRODS_MAIN_API_URL"

#: Where a user registers the e-mail address the service knows them by.
REGISTER_URL = "https://www.swift.ac.uk/user_objects/register.php"
