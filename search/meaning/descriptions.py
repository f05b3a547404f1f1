"""What each GCM objective is about, in the project's own words: the data that objective inference
compares passages with. Pure data, no I/O.

`DESCRIPTIONS[n]` is a short paragraph describing the kind of work a government would report under
objective n (its vectors are compared with a passage's). `CUES[n]` are word stems and phrases that
are distinctive of the objective, matched like `Objective.terms` (at the start of a word,
case-insensitive); they add to the objective's own key terms and weigh more than them, because
the key terms include broad words ("worker", "cooperation") that the older tagging rule needs but
that say little on their own. Both are written as general descriptions of the objectives, never
from the wording of a particular review.
"""

from __future__ import annotations

DESCRIPTIONS: dict[int, str] = {
    1: "Collecting, analysing and sharing statistics and data on migrants and migration flows: "
       "censuses, household and labour force surveys, administrative records and registers, "
       "disaggregated by sex, age and migration status, research and studies that inform policy.",
    2: "Reducing the pressures that force people to leave their home country: poverty, conflict, "
       "natural disasters, climate change and environmental degradation, food insecurity and lack "
       "of livelihoods; development aid, disaster risk reduction and resilience in countries of "
       "origin.",
    3: "Giving migrants accurate and timely information before departure, during the journey and "
       "after arrival: information campaigns, multilingual websites and portals, hotlines, "
       "orientation sessions and information centres about rights, procedures and risks.",
    4: "Making sure migrants have proof of legal identity and documents: passports, identity "
       "cards, birth registration, civil registries, consular documents and residence cards issued "
       "to nationals abroad and to migrants.",
    5: "Opening and widening regular pathways for migration: visas and statuses of residence for "
       "workers, students and families, labour mobility schemes, family reunification, "
       "humanitarian admission and the acceptance of foreign workers in sectors short of labour.",
    6: "Fair and ethical recruitment and decent work for migrant workers: regulating recruitment "
       "agencies and fees, employment contracts, wages, working hours, occupational safety, labour "
       "inspections, guidelines for employers and protection against labour exploitation.",
    7: "Reducing the vulnerabilities of migrants in situations of risk: unaccompanied and "
       "separated children, women at risk, people with disabilities, victims of violence and "
       "abuse; gender-responsive and child-sensitive protection and assistance.",
    8: "Saving migrants' lives and searching for missing migrants: search and rescue, "
       "preventing deaths in transit, identifying the dead and informing families, and the safety "
       "of migrants in emergencies and disasters.",
    9: "Fighting the smuggling of migrants across borders: investigating and prosecuting "
       "smugglers and brokers, dismantling criminal networks, fraudulent documents and forged "
       "residence cards, illegal work and illegal stay arranged by intermediaries.",
    10: "Preventing and combating trafficking in persons: identifying and protecting victims of "
        "trafficking, prosecuting traffickers, forced labour and sexual exploitation, shelters, "
        "repatriation and support for victims, and training officials to recognise trafficking.",
    11: "Managing borders in an integrated and secure way: border control and immigration "
        "inspection at airports and ports, entry and exit checks, advance passenger information, "
        "biometrics and cooperation between border agencies.",
    12: "Clear and predictable migration procedures with proper screening, assessment and "
        "referral: screening people on arrival, assessing each individual's situation, "
        "identifying people in need of protection, such as victims of trafficking or "
        "exploitation, and referring them to the right services and procedures, and training "
        "immigration and other officials to do so.",
    13: "Using immigration detention only as a last resort: limiting detention, its conditions "
        "and length, and alternatives to detention such as release with reporting or supervision, "
        "especially for children and families.",
    14: "Consular protection and assistance for nationals abroad: embassies and consulates "
        "helping citizens in difficulty, consular services, and cooperation between states' "
        "consular networks throughout the migration cycle.",
    15: "Access to basic services for migrants: health care and medical services, education and "
        "schooling for migrant children, housing, social services and welfare, and services in "
        "languages migrants understand.",
    16: "Inclusion of migrants and social cohesion: integration programmes, language learning, "
        "living together with local residents, multicultural coexistence, support from local "
        "governments and communities, and empowering migrants to take part in society.",
    17: "Eliminating discrimination against migrants and shaping public perceptions: fighting "
        "racism, xenophobia and hate speech, human rights awareness-raising and education, "
        "counselling on human rights violations, and evidence-based public discourse on "
        "migration.",
    18: "Developing skills and recognising qualifications: vocational training, skills "
        "partnerships, technical training programmes, recognition of diplomas, qualifications "
        "and competences acquired abroad, and matching skills with labour needs.",
    19: "Enabling migrants and diasporas to contribute to development: diaspora engagement, "
        "investment and entrepreneurship by migrants, transfer of knowledge and skills, and "
        "migration integrated into sustainable development plans.",
    20: "Cheaper, faster and safer remittances and financial inclusion: money transfer services "
        "and their costs, opening bank accounts, access to financial services and financial "
        "literacy for migrants and their families.",
    21: "Safe and dignified return, readmission and sustainable reintegration: voluntary and "
        "assisted return, repatriation, readmission agreements, and reintegration support in the "
        "country of origin.",
    22: "Portability of social security and earned benefits: pensions, social security "
        "agreements between countries, and migrant workers' access to the contributions and "
        "benefits they earned.",
    23: "International cooperation and partnerships on migration: financial contributions to "
        "international organisations, bilateral, regional and multilateral cooperation, "
        "capacity building, burden and responsibility sharing, and refugee resettlement.",
}

CUES: dict[int, tuple[str, ...]] = {
    1: ("statistic", "disaggregat", "census", "survey", "database", "data collection"),
    2: ("adverse driver", "root cause", "climate change", "natural disaster", "disaster risk",
        "environmental degradation", "food insecurity"),
    3: ("pre-departure", "information campaign", "information centre", "information center",
        "hotline", "multilingual", "consultation desk", "one-stop"),
    4: ("legal identity", "identity document", "identity card", "birth registration",
        "civil registr", "passport"),
    5: ("status of residence", "residence status", "regular pathway", "labour mobility",
        "labor mobility", "family reunification", "skilled worker", "visa"),
    6: ("recruitment", "decent work", "employer", "working condition", "labour standard",
        "labor standard", "labour inspection", "labor inspection", "wage"),
    7: ("vulnerab", "unaccompanied", "separated children", "gender-responsive"),
    8: ("missing migrant", "search and rescue", "save lives", "saving lives", "deaths",
        "drown"),
    9: ("smuggl", "intermediary", "broker", "fake document", "forged", "fraudulent",
        "illegal work", "illegal stay"),
    10: ("trafficking", "trafficked", "traffickers", "forced labour", "forced labor",
         "sexual exploitation"),
    11: ("border control", "border management", "border security", "immigration inspection",
         "entry and exit", "checkpoint"),
    12: ("screening", "referral", "identification of victims", "identifying victims",
         "case assessment"),
    13: ("detention", "detain", "alternatives to detention", "last resort"),
    14: ("consul", "embass"),
    15: ("basic service", "health care", "healthcare", "medical", "school", "education",
         "housing", "social service"),
    16: ("inclusion", "integration", "social cohesion", "coexist", "multicultural",
         "living together"),
    17: ("discriminat", "prejudice", "racis", "xenophob", "hate speech", "hate crime",
         "human rights violation", "stereotyp"),
    18: ("vocational", "qualification", "skills development", "recognition of skills",
         "mutual recognition"),
    19: ("diaspora", "entrepreneur", "sustainable development"),
    20: ("remittance", "money transfer", "financial inclusion", "bank account",
         "financial service", "financial institution"),
    21: ("readmission", "reintegrat", "repatriat", "voluntary return", "assisted return"),
    22: ("social security", "pension", "portability", "earned benefit"),
    23: ("international cooperation", "multilateral", "bilateral", "partnership",
         "capacity building", "capacity-building", "resettlement", "burden"),
}
