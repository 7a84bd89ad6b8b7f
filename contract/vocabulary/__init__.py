"""What customers type, read one way by the action server and the backend.

One home for each parsing rule both sides need: account identifiers (account number, email,
phone), verification factors, confirmation and tracking numbers, money, cancellation reasons,
dates and yes/no answers. Pure Python plus `phonenumbers` and `dateparser`: no Rasa, no
database, so `actions/` and the backend (`backend/`) import the same functions.
"""
