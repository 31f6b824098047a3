"""Lapland's 21 municipalities: official code, names and approximate centre (lat, lon)."""

LAPLAND_MUNICIPALITIES = [
    ("047", "Enontekiö", "Enontekis", 68.38, 23.63),
    ("148", "Inari", "Enare", 68.66, 27.55),
    ("240", "Kemi", "Kemi", 65.74, 24.56),
    ("241", "Keminmaa", "Keminmaa", 65.80, 24.54),
    ("261", "Kittilä", "Kittilä", 67.65, 24.91),
    ("273", "Kolari", "Kolari", 67.33, 23.78),
    ("320", "Kemijärvi", "Kemijärvi", 66.71, 27.43),
    ("498", "Muonio", "Muonio", 67.96, 23.68),
    ("583", "Pelkosenniemi", "Pelkosenniemi", 67.11, 27.51),
    ("614", "Posio", "Posio", 66.11, 28.17),
    ("683", "Ranua", "Ranua", 65.93, 26.51),
    ("698", "Rovaniemi", "Rovaniemi", 66.50, 25.73),
    ("732", "Salla", "Salla", 66.83, 28.67),
    ("742", "Savukoski", "Savukoski", 67.29, 28.16),
    ("751", "Simo", "Simo", 65.66, 25.06),
    ("758", "Sodankylä", "Sodankylä", 67.42, 26.59),
    ("845", "Tervola", "Tervola", 66.08, 24.81),
    ("851", "Tornio", "Torneå", 65.85, 24.15),
    ("854", "Pello", "Pello", 66.77, 23.97),
    ("890", "Utsjoki", "Utsjoki", 69.91, 27.03),
    ("976", "Ylitornio", "Övertorneå", 66.30, 23.67),
]

MUNICIPALITY_NAMES = {code: (fi, sv) for code, fi, sv, _lat, _lon in LAPLAND_MUNICIPALITIES}
