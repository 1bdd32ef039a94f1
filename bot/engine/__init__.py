"""Contract-and-billing engine: pure functions, one module per service (no Rasa imports).

Every public function answers one business question for one contract and a given `today`,
and returns a frozen result carrying both the figures and the rule that produced them.
"""
