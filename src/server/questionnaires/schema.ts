// Questionnaire answers and lists: part of the API contract.
export { AnswerBody, ResponseListQuery } from '../../api/questionnaires.js';
