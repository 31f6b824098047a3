"""Writes phenomena_eval.csv: labelled short observation texts for measuring grouping (docs/phenomena.md).

Deterministic: run `python tests/data/make_phenomena_eval.py` and the same file comes out. Each theme has
Finnish and Swedish fragments written for the project — who or what was seen (in several inflected forms
and synonyms), what happened, and where/when — joined into short texts the way field workers write them.
About one text in six gets one or two typos (a letter dropped, doubled or swapped). The "noise" texts are
off-topic (weather, meetings, logistics) and belong to no theme.
"""
import csv
import random
from pathlib import Path

OUT = Path(__file__).with_name("phenomena_eval.csv")
PER_THEME_FI = 32
PER_THEME_SV = 12

THEMES = {
    "loneliness": {
        "fi": (["Yksinäinen vanhus", "Iäkäs mies asuu yksin ja", "Yksin asuva leski", "Yksinäisyydestä kärsivä ikäihminen",
                "Vanhempi rouva", "Yksinäisten vanhusten määrä", "Eläkeläinen", "Yksinäinen nuori aikuinen"],
               ["Yksinäisyys vaivaa ikääntynyttä naista.", "Vanhuksen yksinäisyys huolestuttaa.", "Yksinäisellä vanhuksella ei ole ketään.", "Puhuimme yksinäisyydestä pitkään.", "Yksinäisiä ikäihmisiä on kylällä useita.", "Hän tuntee itsensä yksinäiseksi.", "Yksinäisille ei ole kohtaamispaikkaa.",
                "ei ole nähnyt ketään viikkoihin.", "kertoi olevansa hyvin yksinäinen.", "kaipaa seuraa ja juttukaveria.",
                "on eristäytynyt kotiinsa.", "sanoi, ettei kukaan käy kylässä.", "kärsii yksinäisyydestä.",
                "toivoi jonkun soittavan hänelle.", "ei jaksa lähteä kotoa tapaamaan muita.", "kokee olevansa unohdettu."],
               ["", "Kotikäynnillä.", "Syrjäkylällä.", "Omaiset asuvat etelässä.", "Puoliso kuoli keväällä."]),
        "sv": (["En ensam äldre man", "Änkan", "En pensionär som bor ensam", "Ensamma äldre", "Äldre kvinna"],
               ["har inte träffat någon på veckor.", "känner sig mycket ensam.", "saknar sällskap.",
                "isolerar sig hemma.", "säger att ingen hälsar på."],
               ["", "Vid hembesök.", "I byn.", "Barnen bor långt bort."]),
    },
    "digital": {
        "fi": (["Ikäihminen", "Asiakas", "Vanhus", "Eläkeläinen", "Iäkäs pariskunta", "Mies"],
               ["Verkkopankin käyttö ei onnistu.", "Pankkitunnukset hukassa, verkkoasiointi ei onnistu.", "Älypuhelimen käytössä ongelmia.", "Sähköiset palvelut jäävät käyttämättä.", "Netissä asiointi tuntuu vaikealta.", "Digitaitojen puute haittaa arkea.", "Tietokoneen käyttöön kaivattiin opastusta.",
                "ei osaa käyttää verkkopankkia.", "ei pääse kirjautumaan pankkitunnuksilla.",
                "tarvitsi apua älypuhelimen kanssa.", "ei saanut ajanvarausta netissä tehtyä.",
                "ei osaa käyttää tietokonetta eikä sähköisiä palveluita.", "pyysi apua Kela-asioinnissa verkossa.",
                "ei ymmärrä mobiilisovellusta.", "jäi ilman palvelua, kun asiointi siirtyi nettiin.",
                "ei ole tabletin kanssa sinut."],
               ["", "Kirjastossa.", "Digituessa.", "Puhelimessa.", "Laitetta ei ole."]),
        "sv": (["En äldre person", "Kunden", "Pensionären", "Ett äldre par"],
               ["kan inte använda nätbanken.", "behövde hjälp med smarttelefonen.", "kunde inte boka tid på nätet.",
                "klarar inte de digitala tjänsterna.", "fick hjälp med datorn."],
               ["", "På biblioteket.", "Vid digistödet."]),
    },
    "youth_substances": {
        "fi": (["Nuoria", "Nuoret", "Alaikäisiä nuoria", "Teinit", "Nuorisoporukka", "Yläkouluikäisiä"],
               ["Alkoholia nuorten porukassa.", "Humalaisia nuoria nähtiin illalla.", "Nuuskan käyttö yleistä nuorilla.", "Päihteitä käyttäviä nuoria koulun lähellä.", "Nuorten juominen lisääntynyt.", "Kannabiksen hajua nuorten kokoontumispaikalla.",
                "joivat alkoholia kaupan takana.", "juopottelivat koulun pihalla.", "olivat humalassa puistossa.",
                "käyttivät nuuskaa ja alkoholia.", "polttivat kannabista rannassa.", "olivat päihtyneitä illalla.",
                "hankkivat viinaa aikuisilta.", "kaljoittelivat bussikatoksessa.", "päihteiden käyttöä nähty."],
               ["", "Perjantai-iltana.", "Viikonloppuna.", "Tyhjiä tölkkejä jäi maahan."]),
        "sv": (["Ungdomar", "Minderåriga", "Tonåringar", "Ett gäng unga"],
               ["drack alkohol bakom butiken.", "var berusade i parken.", "använde snus och alkohol.",
                "rökte cannabis vid stranden.", "var påverkade på kvällen."],
               ["", "På fredagskvällen.", "Under helgen."]),
    },
    "vandalism": {
        "fi": (["Bussikatos", "Koulun ikkuna", "Leikkipuiston keinu", "Roska-astia", "Kylätalon seinä",
                "Pysäkin penkki", "Ulkovessa", "Opastaulu"],
               ["Ilkivaltaa pysäkillä.", "Rikottuja ikkunoita koululla.", "Töhryjä seinissä.", "Tahallista rikkomista leikkipuistossa.", "Graffiteja uudessa aidassa.", "Ilkivallan jäljet näkyvät.",
                "rikottiin yöllä.", "on töhritty graffiteilla.", "oli revitty irti.", "sytytettiin tuleen.",
                "on tahallisesti vahingoitettu.", "joutui ilkivallan kohteeksi.", "oli potkittu rikki.",
                "on sotkettu spraymaalilla."],
               ["", "Jälleen kerran.", "Viikonlopun aikana.", "Ilkivaltaa toistuvasti."]),
        "sv": (["Busskuren", "Skolans fönster", "Gungan i lekparken", "Soptunnan", "Byhusets vägg"],
               ["krossades i natt.", "har klottrats ner.", "slets loss.", "sattes i brand.", "har vandaliserats."],
               ["", "Igen.", "Under helgen."]),
    },
    "hobbies": {
        "fi": (["Kerhotoiminta", "Iltapäiväkerho", "Nuorisotalon harrastusilta", "Kylän liikuntaryhmä",
                "Uusi harrastusryhmä", "Kuoro", "Lasten sählykerho", "Käsityökerho"],
               ["Harrastusmahdollisuuksia lisätty.", "Lapset harrastavat innolla.", "Kerhoon osallistui kymmeniä lapsia.", "Harrastajia oli enemmän kuin viime vuonna.", "Uusi kerho sai kiitosta.", "Harrastustoiminta piristää kylää.",
                "kokosi paljon osallistujia.", "on ollut suosittu.", "aloitti toimintansa kylällä.",
                "tarjoaa lapsille mieluisaa tekemistä.", "toi nuoret yhteen harrastamaan.",
                "kerää viikoittain harrastajia.", "sai hyvää palautetta osallistujilta.", "innostaa liikkumaan."],
               ["", "Vapaaehtoisten vetämänä.", "Maksuton.", "Seurakunnan tiloissa."]),
        "sv": (["Klubbverksamheten", "Eftermiddagsklubben", "Den nya hobbygruppen", "Kören", "Barnens innebandyklubb"],
               ["samlade många deltagare.", "har varit populär.", "startade i byn.", "ger barnen meningsfull fritid.",
                "fick bra respons."],
               ["", "Ledd av frivilliga.", "Gratis."]),
    },
    "lighting_ice": {
        "fi": (["Katuvalo", "Kevyen liikenteen väylän valaistus", "Koulutien katuvalot", "Pihavalo",
                "Kävelytie", "Jalkakäytävä", "Pyörätie", "Portaat"],
               ["Liukkaat kävelytiet vaarallisia.", "Katuvalojen puute pelottaa.", "Jäinen jalkakäytävä, kaatumisvaara.", "Valaistus puuttuu kokonaan.", "Liukkaudesta ilmoitettu.", "Pimeällä tiellä ei näe mitään.",
                "on ollut rikki viikkoja.", "ei pala, tie on pimeä.", "on pimeänä koko illan.",
                "on liukas ja jäinen.", "on hiekoittamatta, moni kaatunut.", "on peilijäässä.",
                "sammui eikä sitä ole korjattu.", "on vaarallisen liukas aamuisin."],
               ["", "Koululaiset kulkevat tästä.", "Ilmoitettu kunnalle.", "Pimeään aikaan."]),
        "sv": (["Gatlyktan", "Belysningen på gång- och cykelvägen", "Trottoaren", "Gångvägen", "Trappan"],
               ["har varit trasig i veckor.", "lyser inte, vägen är mörk.", "är hal och isig.", "är inte sandad.",
                "är spegelblank."],
               ["", "Skolbarn går här.", "Anmält till kommunen."]),
    },
    "bullying": {
        "fi": (["Koululainen", "Alakoululainen tyttö", "Poika", "Oppilas", "Yläkoululainen"],
               ["Kiusaamista välitunneilla.", "Kiusattu oppilas ei halua kouluun.", "Kiusaajat odottavat koulumatkalla.", "Koulukiusaamiseen pitäisi puuttua.", "Nettikiusaamista luokassa.", "Kiusaamisen vuoksi poissaoloja.",
                "kertoi, että häntä kiusataan koulussa.", "on joutunut kiusatuksi välitunnilla.",
                "kokee kiusaamista somessa.", "jätetään porukan ulkopuolelle koulumatkalla.",
                "pelkää mennä kouluun kiusaajien takia.", "on kiusattu jo pitkään.",
                "sai nimittelyä luokkatovereilta.", "kertoi koulukiusaamisesta opettajalle."],
               ["", "Vanhemmat huolissaan.", "Asia vietiin rehtorille.", "Koulukuraattori tietää."]),
        "sv": (["Skoleleven", "En flicka i lågstadiet", "Pojken", "Eleven"],
               ["berättade att hon mobbas i skolan.", "blev mobbad på rasten.", "utsätts för mobbning på sociala medier.",
                "är rädd att gå till skolan.", "har blivit utfryst av klasskamraterna."],
               ["", "Föräldrarna är oroliga.", "Kuratorn vet om det."]),
    },
    "transport": {
        "fi": (["Kylän bussivuoro", "Linja-auto", "Kutsutaksi", "Asiointiliikenne", "Koulukyyti"],
               ["Bussivuoroja vähennetty.", "Joukkoliikenne puuttuu kylältä.", "Linja-autoyhteys katkesi.", "Kyydin puute vaikeuttaa asiointia.", "Busseja ei kulje viikonloppuisin.", "Kuljetusten puute eristää asukkaita.",
                "lakkautettiin, eikä kaupungille pääse.", "kulkee vain kerran viikossa.",
                "ei sovi terveyskeskuksen aikoihin.", "jäi pois aikataulusta.", "myöhästyy jatkuvasti.",
                "on liian kallis eläkeläisille.", "puuttuu kokonaan iltaisin.", "ei pysähdy kylän pysäkillä."],
               ["", "Ilman autoa ei pääse mihinkään.", "Asukkaat ovat huolissaan.", "Matka kaupunkiin 80 km."]),
        "sv": (["Bussturen", "Bussen", "Anropstaxin", "Skolskjutsen"],
               ["drogs in och man kommer inte till stan.", "går bara en gång i veckan.",
                "passar inte hälsocentralens tider.", "är alltid försenad.", "saknas helt på kvällarna."],
               ["", "Utan bil kommer man ingenstans."]),
    },
    "money_food": {
        "fi": (["Perhe", "Yksinhuoltaja", "Työtön mies", "Opiskelija", "Lapsiperhe", "Eläkeläinen"],
               ["Ruoka-avun tarve kasvanut.", "Rahapulaa perheissä.", "Velkojen kanssa ongelmia.", "Leipäjonot pidentyneet.", "Toimeentulon ongelmia.", "Ruokaan ei riitä rahaa.",
                "ei saa rahoja riittämään ruokaan.", "haki ruoka-apua seurakunnalta.", "kertoi rahan loppuvan kesken kuun.",
                "on velkaantunut ja pelkää ulosottoa.", "kävi leipäjonossa.", "ei pysty maksamaan sähkölaskua.",
                "tarvitsee ruokakassia.", "on toimeentulotuen varassa ja rahat ovat lopussa."],
               ["", "Toimeentulo on tiukoilla.", "Ohjattu talousneuvontaan.", "Lapset mukana."]),
        "sv": (["Familjen", "Ensamföräldern", "Den arbetslösa mannen", "Studenten"],
               ["får inte pengarna att räcka till mat.", "sökte mathjälp hos församlingen.",
                "pengarna tar slut i mitten av månaden.", "stod i matkön.", "kan inte betala elräkningen."],
               ["", "Hänvisad till ekonomisk rådgivning."]),
    },
    "wildlife_roads": {
        "fi": (["Poroja", "Porotokka", "Hirvi", "Hirviä", "Porot"],
               ["Porovaara tiellä.", "Porokolari illalla.", "Hirvikolari mutkassa.", "Poroja teillä pimeällä.", "Hirvien liikkumista tiellä.", "Porot tiellä aiheuttavat vaaratilanteita.",
                "tiellä pimeässä, vaaratilanne autoilijoille.", "juoksi auton eteen valtatiellä.",
                "laiduntaa tien varressa.", "aiheutti kolarin.", "seisoi keskellä tietä mutkan takana.",
                "kulkee usein tällä tieosuudella.", "törmäsi autoon illalla."],
               ["", "Varoitusmerkki puuttuu.", "Liukas keli lisäsi vaaraa.", "Ilmoitettu poliisille."]),
        "sv": (["Renar", "En älg", "Renhjorden", "Älgar"],
               ["på vägen i mörkret, farligt för bilister.", "sprang ut framför bilen.", "betar vid vägkanten.",
                "orsakade en krock.", "stod mitt på vägen."],
               ["", "Varningsskylt saknas."]),
    },
}
NOISE = [
    "Kokous siirtyi ensi viikolle.", "Sää oli aurinkoinen ja lämmin.", "Ei erityistä havaittavaa.",
    "Tarkistettu, kaikki kunnossa.", "Testimerkintä, poista.", "Käynti peruuntui.", "Kahvit juotu kylätalolla.",
    "Kirjattu jälkikäteen.", "Puhelin oli äänettömällä.", "Tapaaminen pidettiin etänä.", "Lumisade jatkuu.",
    "Mötet flyttades till nästa vecka.", "Vädret var fint.", "Inget särskilt att rapportera.", "Testanteckning.",
    "Besöket ställdes in.", "Kaffe på bygdegården.", "Muistiinpano itselle.", "Auton rengas puhkesi matkalla.",
    "Toimiston avaimet palautettu.", "Nothing special today.", "Palaveri venyi.", "Kalenteri päivitetty.",
    "Pakkasta kolmekymmentä astetta.", "Kevät tulee.", "Lomakkeen testaus.", "Kysely lähetetty.",
    "Ruska on kaunis.", "Bilen startade inte.", "Lunch i byn.",
]


def typo(word, rng):
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    kind = rng.choice(("drop", "double", "swap"))
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def with_typos(text, rng):
    words = text.split(" ")
    for _ in range(rng.choice((1, 2))):
        j = rng.randrange(len(words))
        words[j] = typo(words[j], rng)
    return " ".join(words)


def texts_of(fragments, count, rng):
    """Texts of a subject and what it did, or of a whole sentence; then where/when, sometimes a second sentence."""
    subjects, statements, contexts = fragments
    sentences = [p for p in statements if p[0].isupper()]
    predicates = [p for p in statements if not p[0].isupper()]
    made = set()
    while len(made) < count:
        if sentences and rng.random() < 0.4:
            first = rng.choice(sentences)
        else:
            first = f"{rng.choice(subjects)} {rng.choice(predicates)}"
        second = rng.choice(sentences) if sentences and rng.random() < 0.2 else rng.choice(contexts)
        text = first if second in ("", first) else f"{first} {second}"
        if rng.random() < 1 / 6:
            text = with_typos(text, rng)
        made.add(text)
    return sorted(made)


def rows():
    rng = random.Random(15)
    out = []
    for theme, languages in THEMES.items():
        for text in texts_of(languages["fi"], PER_THEME_FI, rng):
            out.append((text, theme, "fi"))
        for text in texts_of(languages["sv"], PER_THEME_SV, rng):
            out.append((text, theme, "sv"))
    out.extend((text, "noise", "sv" if any(w in text for w in ("Möte", "Väd", "Inget", "Test", "Besök", "Kaffe", "Bil", "Lunch")) else "fi") for text in NOISE)
    rng.shuffle(out)
    return out


if __name__ == "__main__":
    with OUT.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "theme", "language"])
        writer.writerows(rows())
