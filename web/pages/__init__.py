"""The pages of each role: a manager's and a colleague's tasks, IT/facilities' equipment, the interviewer's
questionnaire, the leaving employee's links, HR's actions on a case, accounts for admins.

Server-rendered; every form POSTs with a CSRF token and is answered with a redirect (303) back to its
page, or with the page again and the reason when the case refused."""
