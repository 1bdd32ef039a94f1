from bot.privacy import logs; logs.install()  # tokens, phones, names masked in the action server's logs
