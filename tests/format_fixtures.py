"""Real files of each format for the reader, CLI and API tests: two saved web pages with boilerplate (in
tests/data/), a three-page PDF whose dredging figure is on page 2, and a Word file with a heading and a table."""

from __future__ import annotations

from pathlib import Path

from pdf_writer import write_pdf

DATA = Path(__file__).resolve().parent / "data"
PAGES = {  # file -> (title, date, author, a sentence of the article)
    "coastline_gazette.html": ("Harbour council approves tidal barrier funding", "2024-03-14", "Marta Okonkwo",
                               "The barrier, designed by the engineering firm Halvorsen & Stroud, will consist of "
                               "six steel gates"),
    "valley_courier.html": ("Rail operator orders 24 battery trains for the Brenn valley line", "2023-11-07",
                            "Tomas Reiter", "Each train can run 120 kilometres on a charge"),
}
# Words of the pages' cookie banners, menus, share bars, related links, comments and footers: never a passage.
BOILERPLATE = [
    "cookie", "Accept all", "Subscribe", "Share on", "Related stories", "Storm Hilda", "Mussel harvest falls",
    "My cellar", "hospital waits", "the Dutch have had", "All rights reserved", "newsletter", "Privacy",
    "Comments (3)", "Log in", "E-paper", "Obituaries", "Most read", "Mayor resigns", "inbox every morning",
    "disaster waiting to happen", "diesels stink", "money thrown out", "bicycle spaces", "Leave a reply",
    "Valley Media Group", "143 partners", "Manage options", "Email this story", "Copy link", "Advertisement",
    "seadog77", "railfan_kessel",
]
PDF_TITLE = "Westmere Harbour Trust Annual Report 2023"
PDF_PAGES = [
    ["Westmere Harbour Trust", "Annual Report 2023", "",
     "The Westmere Harbour Trust manages the port, its quays and the approach channel on behalf of the town.",
     "The board met six times in 2023 and appointed Lena Marsh as harbour master in April.",
     "Ship arrivals rose to 1,942, the highest number since the trust was founded."],
    ["Finances", "",
     "Income from port dues reached 14.6 million euros, helped by the new ferry service to Skarholm.",
     "The cost of dredging the approach channel rose to 3.2 million euros in 2023, up from 2.1 million",
     "euros the year before, because two winter storms filled the channel with sand.",
     "The trust ended the year with a surplus of 0.9 million euros."],
    ["Outlook", "",
     "The trust expects the tidal barrier works to close the inner harbour for six weeks in 2025.",
     "It will ask the town council to share the cost of a second dredger."],
]
PDF_ANSWER = "The cost of dredging the approach channel rose to 3.2 million euros in 2023"
DOCX_TITLE = "Minutes of the Kesselfeld town council, 12 January 2024"
DOCX_ANSWER = "The council agreed to close the Rosengasse swimming pool on 30 June 2024"


def make_pdf(folder: Path) -> Path:
    return write_pdf(folder / "harbour_trust_report.pdf", PDF_PAGES, title=PDF_TITLE, author="Westmere Harbour Trust")


def make_docx(folder: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_heading(DOCX_TITLE, level=1)
    d.add_paragraph("Present: the mayor, eleven councillors and the town clerk.")
    d.add_paragraph(f"{DOCX_ANSWER}, because repairing its roof would cost 4.5 million euros.")
    d.add_paragraph("Councillor Petra Vogel said the pupils of the two primary schools would use the pool in "
                    "Oberau instead, with a bus paid for by the town.")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Item", "Vote"
    table.cell(1, 0).text, table.cell(1, 1).text = "Pool closure", "9 for, 3 against"
    d.add_paragraph("The next meeting is on 9 February 2024.")
    path = folder / "council_minutes.docx"
    d.save(path)
    return path


def make_corpus(folder: Path) -> Path:
    """A folder with one file of each kind (the pages copied, the PDF and the Word file written)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in PAGES:
        (folder / name).write_bytes((DATA / name).read_bytes())
    make_pdf(folder)
    make_docx(folder)
    return folder


# A news story printed to PDF from a browser: the browser's header (date, time, page title) and footer (address,
# page number) on every page, and lines wrapped where the column ends, inside sentences and figures.
PRINTED_HEADER = "06/12/2026, 15:20 Westmere Ferries profit rises as Skarholm route fills | Coastline Gazette"
PRINTED_FOOTER = "https://www.coastlinegazette.example/business/westmere-ferries-profit {n}/2"
PRINTED_PAGES = [
    [PRINTED_HEADER,
     "Westmere Ferries profit rises as Skarholm route fills", "14 March 2024", "",
     "Westmere Ferries, which runs the car ferries from Westmere harbour, reported a pre-tax profit of",
     "£86.4m for 2023 on Thursday, helped by strong demand on the new route to Skarholm, compared with",
     "£71.9m a year earlier. Passenger numbers rose by 18% to 2.3 million, the company said, and freight",
     "volumes grew for the fourth year in a row.", "",
     "Chief executive Maria Lund said the board would propose a dividend of 12p a share and that the",
     "company planned to order two electric ferries before the end of the year.",
     PRINTED_FOOTER.format(n=1)],
    [PRINTED_HEADER,
     "The two electric ferries would be built at the yard of the Norwegian shipbuilder Halvorsen and",
     "Stroud in Brenn, Ms Lund said, with the first due to enter service in the spring of 2026.", "",
     "The Skarholm route carried 410,000 passengers in its first full year, twice the number the company",
     "had forecast when it opened.",
     PRINTED_FOOTER.format(n=2)],
]
# question -> what its quote must hold (a figure or name the browser's wrapping had split from its sentence)
PRINTED_QUESTIONS = {
    "What pre-tax profit did Westmere Ferries report for 2023?": "pre-tax profit of £86.4m for 2023",
    "What was the profit of Westmere Ferries a year earlier?": "compared with £71.9m a year earlier",
    "Which shipbuilder will build the electric ferries?": "Halvorsen and Stroud in Brenn",
}


def make_printed_pdf(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_pdf(folder / "westmere-ferries-profit.pdf", PRINTED_PAGES,
                     title="Westmere Ferries profit rises as Skarholm route fills | Coastline Gazette")
