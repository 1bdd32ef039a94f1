"""Madoguchi (窓口): a Japanese customer-support bot on Rasa Open Source."""
