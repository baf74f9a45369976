"""The questionnaire an organisation starts with: the seeds' own questions, in Dutch and English.

001's sections (Algemeen, Inhoudelijk, Samenwerking, Organisatie, Redenen voor vertrek, Andere) hold its questions,
with 002's five A's placed where 001 asks about the same things, their sub-questions as help; 002's questions on
the reasons for leaving and on feeling safe, at home and valued; 000's two key questions (the most important advice,
the most important reason) and its gender-inclusion topics; 004's question on what other employers offer; 003's
"what could have gone better in your role". Every answer is optional: 001, "we hoeven niet alle vragen te
bespreken". An organisation keeps the versions it has stored: this default is its first version only where none is
stored yet (questionnaires/store.py)."""

from models.interview_template import AnswerKind, InterviewTemplate, Question, Section, Wording

RATING, SCALE, CHOICE, CHOICES, TEXT = (
    AnswerKind.RATING,
    AnswerKind.SCALE,
    AnswerKind.CHOICE,
    AnswerKind.CHOICES,
    AnswerKind.TEXT,
)


def _q(key: str, kind: AnswerKind, nl: str, en: str, help_nl: str = "", help_en: str = "") -> Question:
    return Question(key=key, kind=kind, label=Wording(nl=nl, en=en), help=Wording(nl=help_nl, en=help_en))


def _section(nl: str, en: str, *questions: Question) -> Section:
    return Section(title=Wording(nl=nl, en=en), questions=list(questions))


def _area(area: str, nl: str, en: str, help_nl: str, help_en: str) -> tuple[Question, Question]:
    return (
        _q(f"experiences.{area}.rating", RATING, nl, en, help_nl, help_en),
        _q(f"experiences.{area}.comment", TEXT, f"{nl}: in je eigen woorden", f"{en}: in your own words"),
    )


DEFAULT = InterviewTemplate(
    sections=[
        _section(
            "Algemeen",
            "General",
            _q(
                "looking_back",
                TEXT,
                "Hoe kijk je in het algemeen terug op je periode bij ons?",
                "Overall, how do you look back on your time with us?",
                "Hoe heb je je tijd bij ons beleefd?",
                "How did you experience your time here?",
            ),
            _q(
                "proudest_moment",
                TEXT,
                "Wat was je mooiste moment bij ons? Waarop ben je het meest trots?",
                "What was your best moment with us? What are you most proud of?",
            ),
        ),
        _section(
            "Inhoudelijk",
            "Your work",
            *_area(
                "work_content",
                "Arbeidsinhoud",
                "Work content",
                "Hoe ervaarde je de variatie en complexiteit van je taken? Had je voldoende kansen om nieuwe vaardigheden "
                "te leren? Welke verbetering zou je voorstellen?",
                "How did you find the variety and complexity of your tasks? Did you have enough opportunities to learn "
                "new skills? What improvement would you suggest?",
            ),
            _q(
                "challenges",
                TEXT,
                "Wat heeft je het meest uitgedaagd, wat heb je het meest geleerd en wat vond je leuk in je werk?",
                "What challenged you most, what did you learn most, and what did you enjoy in your work?",
            ),
            _q(
                "difficulties",
                TEXT,
                "Wat vond je lastige taken, wat gaf je soms stress, en waar ben je op gebotst?",
                "Which tasks did you find difficult, what sometimes caused you stress, and what did you run into?",
                "Vond je de functie te zwaar of te licht, en waarom?",
                "Did you find the job too heavy or too light, and why?",
            ),
            _q(
                "role_could_be_better",
                TEXT,
                "Wat had beter gekund in je rol?",
                "What could have gone better in your role?",
            ),
            _q(
                "circumstances",
                TEXT,
                "Waren er omstandigheden die je in je werkuitvoering belemmerden of stimuleerden?",
                "Were there circumstances that held you back or spurred you on in doing your work?",
            ),
            _q(
                "task_changes",
                TEXT,
                "Welke veranderingen zou je wenselijk vinden in het takenpakket of in het algemeen?",
                "Which changes would you like to see in the tasks of the job, or in general?",
            ),
            _q(
                "start_and_clarity",
                TEXT,
                "Hoe beoordeel je je start bij ons? Had je voldoende duidelijkheid over je taken en "
                "verantwoordelijkheden?",
                "How do you rate your start with us? Were your tasks and responsibilities clear enough?",
                "Was er voldoende informatie over de gang van zaken?",
                "Was there enough information about how things work here?",
            ),
            *_area(
                "working_conditions",
                "Arbeidsomstandigheden",
                "Working conditions",
                "Hoe ervaarde je de fysieke werkomgeving (verlichting, geluid, temperatuur)? Waren de (technische) "
                "middelen die je nodig had voldoende beschikbaar? Welke aanpassingen zouden verbeteringen opleveren?",
                "How did you find the physical workplace (light, noise, temperature)? Were the (technical) means you "
                "needed available enough? Which changes would improve things?",
            ),
            _q(
                "development",
                TEXT,
                "Wat vond je van de opleidings- en ontwikkelingsmogelijkheden?",
                "What did you think of the opportunities for training and development?",
                "Was er voldoende aandacht voor je ambities en loopbaanwensen, bijvoorbeeld in functioneringsgesprekken?",
                "Was there enough attention for your ambitions and career wishes, for example in performance reviews?",
            ),
        ),
        _section(
            "Samenwerking",
            "Working together",
            *_area(
                "working_relations",
                "Arbeidsverhoudingen",
                "Working relations",
                "Hoe zou je je relatie met collega's omschrijven? Hoe was je samenwerking met je leidinggevende en met "
                "andere afdelingen? Welke verbeteringen zou je voorstellen?",
                "How would you describe your relationship with colleagues? How did working with your manager and with "
                "other departments go? What improvements would you suggest?",
            ),
            _q(
                "board_relation",
                TEXT,
                "Hoe vond je de relatie met het bestuur en/of de coördinator?",
                "How did you find the relationship with the board and/or the coordinator?",
            ),
            _q(
                "meetings",
                TEXT,
                "Wat vond je van de verschillende overleggen? Wat zou je veranderen?",
                "What did you think of the various meetings? What would you change?",
            ),
        ),
        _section(
            "Organisatie",
            "The organisation",
            *_area(
                "terms_of_employment",
                "Arbeidsvoorwaarden",
                "Terms of employment",
                "Hoe tevreden was je met je loon en secundaire arbeidsvoorwaarden? Hoe ervaarde je je werktijden en de "
                "flexibiliteit daarvan? Hoe beoordeel je je loopbaanperspectieven?",
                "How satisfied were you with your pay and benefits? How did you find your working hours and their "
                "flexibility? How do you rate your career prospects here?",
            ),
            *_area(
                "work_organisation",
                "Arbeidsorganisatie",
                "Work organisation",
                "Hoe vond je de verdeling van taken in je team? Waren de regels en werkprocedures duidelijk? Werden "
                "projecten en verantwoordelijkheden goed toegewezen?",
                "How did you find the division of tasks in your team? Were the rules and procedures clear? Were "
                "projects and responsibilities assigned well?",
            ),
            _q(
                "went_well",
                TEXT,
                "Wat ging er goed? Wat ga je missen, en wat zijn onze sterktes?",
                "What went well? What will you miss, and what are our strengths?",
                "En wat ga je niet missen?",
                "And what will you not miss?",
            ),
            _q(
                "should_improve",
                TEXT,
                "Wat zou je veranderen, en hoe? Welke zaken kunnen verbeterd worden?",
                "What would you change, and how? What could be improved?",
                "Waar moeten we mee aan de slag voor je opvolger?",
                "What should we work on before your successor starts?",
            ),
            _q(
                "other_employers",
                TEXT,
                "Wat bieden andere werkgevers, zoals je nieuwe werkgever, dat wij niet bieden?",
                "What do other employers, such as your new one, offer that we do not?",
                "Arbeidsvoorwaarden, of wat hen verder aantrekkelijk maakt.",
                "Terms of employment, or whatever else makes them attractive.",
            ),
            _q(
                "invest_more",
                TEXT,
                "Waar moeten we meer op inzetten?",
                "What should we put more effort into?",
            ),
            _q(
                "organisation_future",
                TEXT,
                "Hoe zie je de toekomst van de organisatie?",
                "How do you see the future of the organisation?",
            ),
        ),
        _section(
            "Veilig, thuis en gewaardeerd",
            "Safe, at home and valued",
            _q("belonging.felt_safe", RATING, "Voelde je je veilig bij ons?", "Did you feel safe here?"),
            _q("belonging.felt_at_home", RATING, "Voelde je je thuis?", "Did you feel at home?"),
            _q("belonging.felt_valued", RATING, "Voelde je je gewaardeerd?", "Did you feel valued?"),
            _q(
                "belonging.influences",
                CHOICES,
                "Zijn er factoren geweest die je ervaring specifiek hebben beïnvloed?",
                "Were there factors that specifically shaped your experience?",
            ),
            _q(
                "belonging.comment",
                TEXT,
                "In je eigen woorden",
                "In your own words",
                "Had je daar last van? Hoe uitte zich dat? Wat was nodig geweest voor een positiever gevoel?",
                "Did it bother you? How did it show? What would have been needed for a better feeling?",
            ),
        ),
        _section(
            "Redenen voor vertrek",
            "Reasons for leaving",
            _q(
                "primary_reason",
                CHOICE,
                "Wat is voor jou de belangrijkste reden om ons te verlaten?",
                "What is the most important reason for you to leave us?",
            ),
            _q(
                "secondary_reasons",
                CHOICES,
                "Welke andere redenen spelen een rol? (hoogstens vijf)",
                "Which other reasons play a part? (at most five)",
            ),
            _q(
                "reasons_comment",
                TEXT,
                "Wat heeft je ertoe gebracht de organisatie te verlaten? Kun je daar meer over vertellen?",
                "What made you decide to leave the organisation? Can you tell us more about it?",
            ),
            _q(
                "future_role_differences",
                TEXT,
                "Welke verschillen zie je tussen je huidige en je toekomstige functie?",
                "What differences do you see between your current job and your future one?",
            ),
            _q(
                "future_plans",
                TEXT,
                "Wat zijn je plannen voor de toekomst?",
                "What are your plans for the future?",
            ),
            _q(
                "help_with_plans",
                TEXT,
                "Hoe kunnen we je daarbij nog helpen?",
                "How can we still help you with them?",
            ),
        ),
        _section(
            "Andere",
            "Finally",
            _q(
                "most_important_advice",
                TEXT,
                "Wat is je belangrijkste advies voor onze organisatie?",
                "What is your most important advice for our organisation?",
                "Heb je nog tips voor ons als werkgever?",
                "Do you have any tips for us as an employer?",
            ),
            _q(
                "remember_with_pleasure",
                TEXT,
                "Waaraan denk je met plezier terug?",
                "What will you remember with pleasure?",
            ),
            _q(
                "recommend_score",
                SCALE,
                "Zou je ons aanbevelen als werkgever?",
                "Would you recommend us as an employer?",
            ),
            _q(
                "anything_else",
                TEXT,
                "Wil je nog iets kwijt?",
                "Is there anything else you would like to say?",
                "Zijn er nog zaken die nog niet aan de orde zijn geweest?",
                "Is there anything we have not talked about yet?",
            ),
            _q(
                "advice_summary",
                TEXT,
                "Samenvatting van het advies (door de gespreksvoerder)",
                "Summary of the advice (by the interviewer)",
                'Lees het voor en check het: "als ik je goed begrijp, heb je de volgende adviezen voor ons?"',
                'Read it back and check it: "if I understand you correctly, this is your advice to us?"',
            ),
        ),
        _section(
            "Voor de anonieme uitsplitsing in rapporten (alleen als je dat wilt)",
            "For the anonymous breakdowns in reports (only if you want to)",
            _q("target_group.gender", CHOICE, "Gender", "Gender"),
            _q("target_group.age_band", CHOICE, "Leeftijd", "Age"),
        ),
    ]
)

# Questions for the interviewer alone: the employee's own pages leave them out.
INTERVIEWER_ONLY = frozenset({"advice_summary"})
