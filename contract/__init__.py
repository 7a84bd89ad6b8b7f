"""The contract between the action server (`actions/`, `actions/backend_client.py`) and the backend (`backend/`).

What both processes must read and write the same way, with one implementation each: the shapes
of the backend's HTTP API (`contract.shapes`, `contract.routes`; the OpenAPI document is generated
from them by `contract.openapi`), its error answers (`contract.errors`) and the vocabulary of what
customers type (`contract.vocabulary`). Nothing here touches a database, Rasa or aiohttp.
"""
