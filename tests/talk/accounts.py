"""Fresh customer accounts for the conversation suite: one account per conversation.

Each conversation gets its own account (so that no conversation sees another's cancellation),
built from a small set of templates with unique account numbers, emails, phones, ZIPs and PINs.
"""

from __future__ import annotations

from typing import Any, Dict, List

FIRST_NAMES = [
    "Ada",
    "Ben",
    "Cleo",
    "Dev",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Jade",
    "Kai",
    "Lena",
    "Milo",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sami",
    "Tess",
]

TEMPLATES = ("solo", "pro", "multi", "duo", "enterprise")


def identity(n: int) -> Dict[str, str]:
    """The customer details of conversation number ``n`` (placeholders of the scripts)."""
    first = FIRST_NAMES[n % len(FIRST_NAMES)]
    exchange = 300 + n
    return {
        "first": first,
        "account": f"3{n:07d}",
        "email": f"{first.lower()}{n}@talk.example",
        "phone": f"+1 (512) {exchange:03d}-01{n % 100:02d}",
        "phone_plain": f"512{exchange:03d}01{n % 100:02d}",
        # the same phone and account number as customers also write them
        "phone_dashes": f"512-{exchange:03d}-01{n % 100:02d}",
        "phone_dots": f"512.{exchange:03d}.01{n % 100:02d}",
        "phone_spaces": f"512 {exchange:03d} 01{n % 100:02d}",
        "phone_brackets": f"(512) {exchange:03d}-01{n % 100:02d}",
        "phone_local": f"{exchange:03d}-01{n % 100:02d}",
        "account_spaced": f"3{n:07d}"[:4] + " " + f"3{n:07d}"[4:],
        "account_dashed": f"3{n:07d}"[:4] + "-" + f"3{n:07d}"[4:],
        "email_upper": f"{first.lower()}{n}@talk.example".upper(),
        "zip": f"{(n * 7919) % 89999 + 10000:05d}",
        "pin": f"{(n * 37) % 8999 + 1000:04d}",
    }


def _service(
    n: int,
    k: int,
    name: str,
    plan: str,
    price: str,
    period: str = "monthly",
    anniversary: str = "+18d",
    **extra: Any,
) -> Dict[str, Any]:
    return {
        "id": f"SVC-T{n:04d}{k}",
        "name": name,
        "plan": plan,
        "price": price,
        "billing_period": period,
        "next_anniversary": anniversary,
        **extra,
    }


def _device(n: int, k: int, model: str, kind: str, price: str) -> Dict[str, Any]:
    return {
        "id": f"EQ-T{n:04d}{k}",
        "model": model,
        "serial": f"SN{n:05d}X{k}",
        "kind": kind,
        "retail_price": price,
    }


def account(n: int, template: str) -> Dict[str, Any]:
    """A fixture account (docs/fixtures.md format) for conversation ``n``."""
    who = identity(n)
    base: Dict[str, Any] = {
        "account_number": who["account"],
        "name": f"{who['first']} Talker{n}",
        "sales_rep": "Maria Lopez",
        "sales_rep_active": True,
        "server": "us-east",
        "billing_zip": who["zip"],
        "pin": who["pin"],
        "users": [
            {
                "first_name": who["first"],
                "last_name": f"Talker{n}",
                "email": who["email"],
                "phone": who["phone"],
                "primary": True,
            }
        ],
    }
    if template == "solo":
        base.update(
            tier="Essentials", services=[_service(n, 1, "Starter Hosting", "Essentials Shared", "9.99")]
        )
    elif template == "pro":
        base.update(
            tier="Professional",
            services=[
                _service(
                    n,
                    1,
                    "Business Voice",
                    "Professional Voice",
                    "39.95",
                    anniversary="+22d",
                    equipment=[_device(n, 1, "Arris SB8200", "modem", "189.00")],
                )
            ],
            invoices=[{"number": f"INV-T{n:04d}1", "amount_due": "300.00", "due_date": "+10d"}],
        )
    elif template == "multi":
        base.update(
            tier="SMB",
            bundles=[{"id": f"BND-T{n:04d}", "name": "Office Connect bundle"}],
            services=[
                _service(
                    n,
                    1,
                    "Office Internet",
                    "SMB Fiber 500",
                    "129.00",
                    anniversary="+3d",
                    bundle=f"BND-T{n:04d}",
                ),
                _service(
                    n,
                    2,
                    "Office Phones",
                    "SMB Voice 10 lines",
                    "199.00",
                    anniversary="+3d",
                    bundle=f"BND-T{n:04d}",
                ),
                _service(
                    n,
                    3,
                    "Website Hosting",
                    "SMB Hosting Plus",
                    "420.00",
                    period="annual",
                    anniversary="+140d",
                ),
            ],
            invoices=[{"number": f"INV-T{n:04d}1", "amount_due": "89.90", "due_date": "+12d"}],
        )
    elif template == "duo":
        base.update(
            tier="Essentials",
            services=[
                _service(n, 1, "Home Internet", "Essentials 100", "49.00", anniversary="+9d"),
                _service(n, 2, "Cloud Backup", "Essentials 1TB", "29.00", anniversary="+9d"),
            ],
        )
    elif template == "enterprise":
        base.update(
            tier="Enterprise",
            sales_rep_active=False,
            services=[
                _service(
                    n,
                    1,
                    "Dedicated Servers",
                    "Enterprise Cluster",
                    "1850.40",
                    period="annual",
                    anniversary="+200d",
                )
            ],
            invoices=[{"number": f"INV-T{n:04d}1", "amount_due": "1850.40", "due_date": "-15d"}],
        )
    else:
        raise ValueError(f"unknown account template {template!r}")
    return base


def fixture(conversations: List[Dict[str, Any]]) -> Dict[str, Any]:
    """One fixture document with the account of every conversation."""
    return {"accounts": [account(c["n"], c.get("account", "solo")) for c in conversations]}
