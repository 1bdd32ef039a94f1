from bot.privacy import install_log_masking; install_log_masking()  # tokens, phones, names masked in the action server's logs
