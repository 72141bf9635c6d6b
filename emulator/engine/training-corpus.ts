/**
 * Everyday English the emulated language model learns its word pairs from.
 *
 * Written for this project: short conversational passages of the kind an
 * assistant sees (greetings, small talk, people, work, travel, food, weather,
 * computers). Each line is read as running text, so transitions across
 * sentence ends ("! How") are learned too. Keep it plain and varied: every
 * line shifts the bigram statistics the perplexity calibration depends on.
 */
export const trainingCorpus = `
Hello! How are you today? I am fine, thank you. And you?
Hi there! How are you doing? I'm doing well, thanks for asking.
Good morning! Did you sleep well? Yes, I slept very well, thank you.
Hey, how is it going? Pretty good, thanks. What about you?
Hello, nice to meet you. Nice to meet you too. How was your day?
Good evening. How was your weekend? It was great, we went to the beach.
Thank you so much for your help. You're welcome, I'm happy to help.
Thanks a lot! No problem at all. Let me know if you need anything else.
How are you feeling today? I feel much better today, thank you.
What are you doing this weekend? I think I will stay at home and read a book.
Can you help me with something? Of course, what do you need?
I have a question about my account. Sure, what would you like to know?
Could you tell me what time it is? It is almost three o'clock.
Where do you live? I live in a small town near the sea.
What do you do for a living? I work as a teacher at a local school.
My cousin is a doctor at a large hospital in London.
My brother moved to Munich with his wife and got a job at a software company.
My mother is a nurse and my father works in a bank.
Her husband drives a taxi and she is a nurse at the clinic.
My friend lives in Paris with her family and works at a restaurant.
His wife is a lawyer and they live in a house near the park.
Our daughter goes to school in the city and our son studies at the university.
I have two children, a boy and a girl. The boy is seven and the girl is five.
We have a dog and a cat. The dog loves to play in the garden.
My parents live in a village in the north of the country.
I grew up in a small town, but now I live in the city.
She moved to New York last year to start a new job.
He has been working at the same company for ten years.
I started a new job last month and I really like my colleagues.
I usually go to work by train, but sometimes I walk.
It takes about twenty minutes to get to the office.
I work from home on Mondays and Fridays.
The meeting is at ten in the morning on Tuesday.
Could you send me the report by the end of the week?
I will send you the document later today.
Please let me know when you are ready to start.
I am sorry, I did not understand your question. Could you say it again?
That is a good question. Let me think about it for a moment.
I think you are right. That makes a lot of sense.
I don't know the answer, but I can try to find out.
It's a nice day today. The sun is shining and it is warm outside.
It was raining all day yesterday, so we stayed inside.
The weather is cold and windy this morning. Don't forget your jacket.
I love the summer because the days are long and warm.
In the winter it gets dark very early and it often snows.
Tomorrow will be sunny with a little wind in the afternoon.
What would you like to eat for dinner tonight? How about pasta?
I had coffee and a piece of bread with cheese for breakfast.
We are going to a new restaurant in the center of town tonight.
Can I have a cup of tea, please? Of course, with milk or sugar?
She makes the best chocolate cake I have ever eaten.
I usually eat lunch at noon with my colleagues.
Let's go for a walk in the park after lunch.
I need to buy some milk, eggs and bread at the store.
The shop on the corner is open until eight in the evening.
I would like to book a table for two at seven o'clock.
How much does it cost? It costs about twenty dollars.
We are planning a trip to Italy in the spring.
Last summer we visited our friends in Spain for two weeks.
I have never been to Japan, but I would love to go one day.
The flight leaves at six in the morning, so we have to get up early.
Our hotel was close to the beach and the room had a great view.
Do you know how to get to the train station from here?
Go straight down this street and turn left at the second corner.
The museum is open every day except Monday.
I am reading a very interesting book about the history of Europe.
Have you seen the new movie? Yes, I watched it last night and I loved it.
My favorite kind of music is jazz, but I also like rock.
He plays the guitar in a band with his friends.
We watched a football game on television on Sunday afternoon.
She goes to the gym three times a week to stay healthy.
I try to sleep eight hours every night, but it is not always easy.
I have a headache. Maybe you should drink some water and rest for a while.
The doctor said it is nothing serious and I will feel better soon.
I am learning Spanish because I want to travel to South America.
English is not my first language, but I speak it every day at work.
Can you explain what this word means? It means something like happy.
My computer is very slow today. Have you tried to restart it?
I forgot my password. You can reset it from the login page.
The file is too large to send by email. Can you share a link instead?
Please save the document before you close the program.
The app on my phone keeps crashing. Try to update it to the latest version.
The internet connection at home is not working again.
I am looking for information about the new project.
Here is a short summary of the main points from the meeting.
The answer depends on what you want to do with the data.
There are three simple steps. First, open the settings. Then choose a language. Finally, save your changes.
I remember that you told me about your trip to Berlin last year.
You mentioned that your brother is a teacher at a school near the river.
I will remember that you prefer tea in the morning.
Is there anything else I can help you with today?
No, that's all for now. Thank you for your time.
Have a nice day! You too. See you tomorrow.
Good night and sleep well. See you in the morning.
Happy birthday! I hope you have a wonderful day.
Congratulations on your new job! That is great news.
I'm so sorry to hear that. Is there anything I can do?
Don't worry, everything will be fine. Take your time.
We had a great time at the party last night.
It was really nice to see you again after such a long time.
I think it is going to be a busy week at work.
I have a lot of things to do before the weekend.
What time does the store close on Saturday?
The children are playing in the garden with the dog.
My grandmother is ninety years old and she still lives on her own.
We usually spend the holidays with our family in the country.
I am not sure, but I think the answer is yes.
Yes, that's right. No, I don't think so. Maybe, it depends.
Of course! Sure, why not? That sounds like a great idea.
It is one of the most beautiful cities in the world.
The city has a long history and a lot of old buildings.
Berlin is the capital of Germany and Paris is the capital of France.
London is a large city in England with many parks and museums.
The river runs through the center of the city.
A lot of people work in the city but live outside of it.
The company was founded in the nineteen nineties and now has many employees.
The school is closed for the summer holidays.
She is a student at the university and she studies biology.
He is a software developer and he writes code in the evening too.
They are good friends and they see each other every week.
I talked to my mom on the phone for an hour last night.
My dad likes to cook on the weekend and he makes great soup.
We need to clean the kitchen and the living room before our guests arrive.
Can you turn off the lights when you leave the room?
The keys are on the table next to the door.
I lost my phone yesterday, but I found it in the car this morning.
It is important to drink enough water every day.
Reading a good book before bed helps me relax.
What is your favorite food? I love pizza and Italian food in general.
How old are you? I am thirty four years old.
When is your birthday? My birthday is in June.
How long have you lived here? I have lived here for five years.
Why do you want to learn English? Because I need it for my job.
Who is your best friend? My best friend is a girl I met at school.
Which one do you like better, the blue one or the red one?
I like both, but I think the blue one is nicer.
The price of the house is too high for us right now.
We are saving money to buy a new car next year.
I paid the rent and the bills at the beginning of the month.
The bank is closed on Sundays and on public holidays.
It's been a long day and I am very tired.
I am happy that you are here. I missed you a lot.
Tell me more about your family. Well, I have a big family.
This is a good example of how the system works in practice.
The results of the study were published in a science journal last month.
The new version of the software has many useful features.
Let me check the weather for tomorrow. It should be sunny and warm.
I think we should leave now, or we will be late for the meeting.
Could you please repeat that? I did not hear you.
Sorry for the late reply, I was busy with work all day.
Thank you for the message. I will get back to you as soon as possible.
Please find the document attached to this email.
I am writing to ask about the job in your company.
I look forward to hearing from you. Best regards.
My favorite color is green and my favorite food is soup.
I like music, books and long walks. She likes dogs more than cats.
We went to the market and bought some fruit, cheese and fresh bread.
I went to bed early last night because I was very tired.
He started a new course at the college last week and he loves it.
My son started school in September and he likes his new teacher.
They got married last summer and moved into a small apartment.
I am allergic to cats, so we have a dog instead.
I don't eat meat, but I eat fish and eggs.
Can you remind me to buy a gift for my sister's birthday?
Please remind me to call the doctor on Monday morning.
I need to pick up the kids from school at three.
She works at a bank in the city and takes the bus to work.
My uncle is a farmer and my aunt teaches music at a school.
Our neighbors have a big garden with a lot of flowers.
He is from Canada but he has lived in France for many years.
I was born in a small village, and I moved to the capital when I was eighteen.
We usually have dinner at seven and watch a movie after that.
I play tennis with my friends every Saturday morning.
The kids love to swim in the lake in the summer.
I bought a new bike last month and I ride it to work every day.
My phone number changed, so please use my new number from now on.
The train was delayed by thirty minutes because of the snow.
She has a meeting with her manager on Thursday afternoon.
Next week I will be on vacation, so I will not check my email.
I prefer to work in the morning when it is quiet.
My wife is a doctor and she works long hours at the hospital.
We are planning a small party for our daughter's birthday next month.
He drinks a cup of coffee every morning before work.
I want to learn how to cook healthy food at home.
The weather was beautiful, so we had lunch outside in the garden.
I have a cold and I need to stay in bed for a few days.
My car is in the shop, so I am taking the train this week.
I moved to a new apartment near the river last year.
The book was really good, and I finished it in two days.
I am trying to drink less coffee and more water.
We met at university and we have been friends ever since.
I would like to improve my English and speak it better at work.
My best friend is getting married in the spring.
They have three kids and a big dog named Max.
It is my first time here, and I really like the city.
I like to read the news with a cup of tea in the morning.
I usually take the bus, but today I walked to work because it was sunny.
My grandfather was a teacher and my grandmother was a nurse.
`;
