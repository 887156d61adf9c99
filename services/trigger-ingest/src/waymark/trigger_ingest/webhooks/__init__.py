"""Provider webhooks: signatures, replay refusal, and payload mappings to outcomes."""
