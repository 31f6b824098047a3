"""Words of field notes: Finnish base forms (Voikko), Swedish and English bridged to Finnish. Below observations,
so that both the description check and analysis use it (docs/architecture.md)."""
