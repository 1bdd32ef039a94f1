"""Customer identity: who is writing (`customer`), login tokens (`tokens`), in-chat proofs
(`proofs`), the channels' conversation claims (`claims`), failed attempts and locks (`locks`,
`limits`, `attempts`), and the one HMAC helper they all sign with (`signing`). No Rasa imports."""
